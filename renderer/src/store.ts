import { create } from 'zustand';
import { EngineInfoSchema, type EngineInfo, type ParleyApi } from '../../electron/shared/ipc';
import { engineApi } from './transport';

type Connection = { state: 'connecting' } | { state: 'connected'; info: EngineInfo } | { state: 'unavailable'; reason: string };

interface AppState {
  connection: Connection;
  refresh(): Promise<void>;
}

let api: ParleyApi | undefined;

/** The engine API of this page (created on first use). */
export function getApi(): ParleyApi | undefined {
  api ??= engineApi();
  return api;
}

/** App state. The engine is reached only through the typed API (preload, or the serve WebSocket). */
export const useAppStore = create<AppState>((set) => ({
  connection: { state: 'connecting' },
  async refresh() {
    const api = getApi();
    if (!api) {
      set({ connection: { state: 'unavailable', reason: 'The Parley engine is not connected (open Parley from the desktop app, or the URL printed by `parley serve`).' } });
      return;
    }
    try {
      const info = EngineInfoSchema.parse(await api.getEngineInfo());
      set({ connection: { state: 'connected', info } });
    } catch (e) {
      // Once connected, a failed refresh means the engine went away: the conversation channel says
      // so (one banner, how to restart). Going "unavailable" here would unmount the conversation and
      // close its channel normally first, hiding that.
      set((s) => (s.connection.state === 'connected' ? s : { connection: { state: 'unavailable', reason: e instanceof Error ? e.message : String(e) } }));
    }
  },
}));
