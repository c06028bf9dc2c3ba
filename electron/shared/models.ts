import { z } from 'zod';
import { ErrorInfoSchema } from './errors.js';

/**
 * The model manager as the UI sees it (the Models page): the catalog with what is installed, the
 * presets, and the downloads in progress. Paths of the engine's machine never cross, except a
 * local file the user typed in to import.
 */
export const ModelTaskSchema = z.enum(['stt', 'llm', 'tts', 'vad', 'turn']);
export type ModelTaskName = z.infer<typeof ModelTaskSchema>;

/** Catalog ids and imported ids: folder names, so a safe alphabet (as the engine's store checks). */
// (refine, not regex: a refinement's own words reach the user; see shared/issues.ts.)
export const ModelIdSchema = z
  .string()
  .refine((id) => /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(id) && !id.includes('..'), 'must be up to 100 letters, digits, dots, dashes or underscores, starting with a letter or digit, without ".."');
export const Sha256Schema = z
  .string()
  .trim()
  .refine((hex) => /^[0-9a-fA-F]{64}$/.test(hex), 'must be 64 hexadecimal digits');

export const ModelEntrySchema = z.object({
  id: z.string(),
  task: ModelTaskSchema,
  name: z.string(),
  languages: z.array(z.string()),
  /** Size of the download (null: not confirmed by the catalog). */
  sizeBytes: z.number().nonnegative().nullable(),
  /** Rough memory while loaded (null for imported models). */
  memoryMb: z.number().nonnegative().nullable(),
  license: z.string(),
  url: z.string().nullable(),
  /** null: the catalog has no confirmed checksum; pulling then needs one from the user. */
  sha256: z.string().nullable(),
  installed: z.boolean(),
  /** Shipped with the app: always installed, never removed. */
  bundled: z.boolean(),
  /** Bytes on disk when installed. */
  diskBytes: z.number().nonnegative().nullable(),
  notes: z.string().optional(),
});
export type ModelEntry = z.infer<typeof ModelEntrySchema>;

export const ModelPresetSchema = z.object({
  id: z.enum(['small', 'quality']),
  name: z.string(),
  models: z.partialRecord(ModelTaskSchema, z.string()),
});
export type ModelPreset = z.infer<typeof ModelPresetSchema>;

/**
 * One download or import. `connecting`: started, no byte yet; `unpacking`: verified, an archive is
 * being unpacked; `done`, `failed` (with the error) and `cancelled` stay listed until the next
 * transfer of that model replaces them.
 */
export const TransferStateSchema = z.enum(['connecting', 'downloading', 'paused', 'retrying', 'unpacking', 'done', 'failed', 'cancelled']);
export type TransferState = z.infer<typeof TransferStateSchema>;

export const TransferStatusSchema = z.object({
  id: z.string(),
  kind: z.enum(['pull', 'import']),
  state: TransferStateSchema,
  receivedBytes: z.number().nonnegative(),
  totalBytes: z.number().nonnegative().nullable(),
  bytesPerSecond: z.number().nonnegative(),
  etaSeconds: z.number().nonnegative().nullable(),
  /** Pause and resume need an HTTP download (a local file is copied at once). */
  pausable: z.boolean(),
  error: ErrorInfoSchema.optional(),
});
export type TransferStatus = z.infer<typeof TransferStatusSchema>;

export const ModelsListSchema = z.object({
  models: z.array(ModelEntrySchema),
  presets: z.array(ModelPresetSchema),
  /** All installed models together (bundled ones excluded: they ship with the app). */
  diskBytes: z.number().nonnegative(),
  transfers: z.array(TransferStatusSchema),
});
export type ModelsList = z.infer<typeof ModelsListSchema>;

/** The answer of every model action: done (or started), or the reason it was refused, as data (it survives every transport intact). */
export const ModelActionResultSchema = z.discriminatedUnion('ok', [z.object({ ok: z.literal(true) }), z.object({ ok: z.literal(false), error: ErrorInfoSchema })]);
export type ModelActionResult = z.infer<typeof ModelActionResultSchema>;

export const ModelIdRequestSchema = z.object({ id: ModelIdSchema });

export const ModelPullRequestSchema = z.object({
  id: ModelIdSchema,
  /** For catalog models without a confirmed checksum: the one the user got from the publisher. */
  sha256: Sha256Schema.optional(),
});

export const ModelImportRequestSchema = z.object({
  /** An http(s) URL (a mirror) or a file or folder on the engine's machine. */
  source: z.string().trim().min(1).max(4096),
  task: ModelTaskSchema,
  id: ModelIdSchema.optional(),
  sha256: Sha256Schema.optional(),
});
export type ModelImportRequest = z.infer<typeof ModelImportRequestSchema>;
