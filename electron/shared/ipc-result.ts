import { z } from 'zod';
import type { ErrorInfo } from './errors.js';

/**
 * What every Electron IPC handler answers: a result envelope, never a rejection. Electron turns a
 * rejected `ipcMain.handle` into "Error invoking remote method '<channel>': <class>: <message>"
 * and drops the class and the error code, so failures travel as data instead.
 */
export const IpcResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string().max(64), message: z.string().max(4000) }) }),
]);
export type IpcResult = z.infer<typeof IpcResultSchema>;

/** A failure that crossed IPC: the main process's message and code, intact. */
export class IpcError extends Error {
  override readonly name = 'ParleyError';
  constructor(
    readonly code: ErrorInfo['code'] | 'ipc/refused' | 'ipc/invalid-request' | 'ipc/failed' | (string & {}),
    message: string,
  ) {
    super(message);
  }
}
