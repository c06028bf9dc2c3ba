import { z } from 'zod';

/**
 * Every typed error the engine can raise, by area. The UI and CLI branch on `code`, never on
 * message text. Codes are stable; messages are for humans.
 */
export const errorCodes = [
  // audio/wav
  'wav/not-riff',
  'wav/not-wave',
  'wav/missing-fmt',
  'wav/missing-data',
  'wav/truncated',
  'wav/unsupported-encoding',
  'wav/invalid-format',
  'wav/empty',
  // audio (other)
  'audio/invalid-rate',
  'audio/invalid-input',
  // files
  'file/not-found',
  'file/unreadable',
  'file/write-failed',
  // onnx / models
  'onnx/model-not-found',
  'onnx/model-invalid',
  'onnx/provider-unavailable',
  'onnx/inference-failed',
  'model/checksum-mismatch',
  /** Not in the catalog (and not imported under that id). */
  'model/unknown',
  /** A model the run needs is not on disk; the message names `parley models pull <id>`. */
  'model/not-installed',
  /** The catalog has no checksum for it: installing needs one given by the user (--sha256). */
  'model/checksum-unknown',
  'model/download-failed',
  'model/disk-full',
  /** An archive entry that would land outside its folder, a link, a device, or too large. */
  'model/unsafe-archive',
  'model/unsupported-archive',
  /** A model request the store refuses as asked: not a model id, an unknown task, a bundled model, a checksum that is not one. */
  'model/invalid-request',
  /** A model file that is there but cannot be loaded (truncated, not a model, wrong format). */
  'model/corrupt',
  // local inference processes (electron/engine/local)
  /** The inference process exited or was killed while working (or could not start). */
  'local/crashed',
  /** The inference process crashed too often this session: it is not started again. */
  'local/unavailable',
  /** The inference process sent a message outside the protocol. */
  'local/protocol',
  // offline mode
  /** Offline mode is on and a cloud provider was chosen. */
  'offline/cloud-provider',
  // settings
  'settings/invalid',
  // providers (cloud and local services)
  /** No provider of that kind and id in this build. */
  'provider/unknown',
  'provider/missing-key',
  /** A key exists, but was saved (or allowed by the environment) for another host: never sent there. */
  'provider/key-wrong-host',
  'provider/invalid-key',
  'provider/rate-limited',
  'provider/server-error',
  'provider/bad-request',
  'provider/unreachable',
  'provider/timeout',
  'provider/disconnected',
  'provider/protocol',
  // tools
  'tool/unknown',
  'tool/invalid-arguments',
  'tool/failed',
  // live conversation
  'session/invalid-message',
  'session/not-ready',
  // cli
  'cli/usage',
] as const;

export const ErrorCodeSchema = z.enum(errorCodes);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

/** What crosses process boundaries (IPC, CLI --json) when something fails. */
export const ErrorInfoSchema = z.object({
  code: ErrorCodeSchema,
  message: z.string(),
  /** The provider (e.g. 'deepgram') when a service failed. */
  provider: z.string().optional(),
});
export type ErrorInfo = z.infer<typeof ErrorInfoSchema>;
