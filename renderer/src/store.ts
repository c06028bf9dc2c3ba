import { create } from 'zustand';
import { EngineInfoSchema, type EngineInfo } from '../../electron/shared/ipc';

type Connection = { state: 'connecting' } | { state: 'connected'; info: EngineInfo } | { state: 'unavailable'; reason: string };

interface AppState {
  connection: Connection;
  refresh(): Promise<void>;
}

/** App state. The engine is reached only through window.parley (the preload's typed API). */
export const useAppStore = create<AppState>((set) => ({
  connection: { state: 'connecting' },
  async refresh() {
    const api = window.parley;
    if (!api) {
      set({ connection: { state: 'unavailable', reason: 'The Parley engine is not connected (open Parley from the desktop app).' } });
      return;
    }
    try {
      const info = EngineInfoSchema.parse(await api.getEngineInfo());
      set({ connection: { state: 'connected', info } });
    } catch (e) {
      set({ connection: { state: 'unavailable', reason: e instanceof Error ? e.message : String(e) } });
    }
  },
}));
