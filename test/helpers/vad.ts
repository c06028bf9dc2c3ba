import { afterAll, beforeAll } from 'vitest';
import { SileroVadModel } from '../../electron/engine/vad/silero.js';

/** For a test file: the real Silero model, loaded once; call the result to get it. */
export function useSileroVad(): () => SileroVadModel {
  let vad: SileroVadModel | undefined;
  beforeAll(async () => {
    vad = await SileroVadModel.load();
  });
  afterAll(async () => vad?.release());
  return () => vad!;
}
