import { IpcError, IpcResultSchema } from '../shared/ipc-result.js';
import { invokeChannels, type InvokeChannel, type InvokeResponse } from '../shared/ipc.js';

export interface InvokeIpc {
  invoke(channel: string, payload: unknown): Promise<unknown>;
}

/**
 * One contract call to main: request and response are both checked against the shared schemas.
 * Main answers with a result envelope (see electron/main/ipc.ts); a failure is rethrown here with
 * main's own message and code.
 */
export function createInvoke(ipc: InvokeIpc) {
  return async function invoke<C extends InvokeChannel>(channel: C, request?: unknown): Promise<InvokeResponse<C>> {
    invokeChannels[channel].request.parse(request);
    const result = IpcResultSchema.parse(await ipc.invoke(channel, request));
    if (!result.ok) throw new IpcError(result.error.code, result.error.message);
    return invokeChannels[channel].response.parse(result.value) as InvokeResponse<C>;
  };
}
