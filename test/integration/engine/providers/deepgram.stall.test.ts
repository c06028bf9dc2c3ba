import { afterEach, describe } from 'vitest';
import { DeepgramSettingsSchema, DeepgramStt } from '../../../../electron/engine/providers/stt/deepgram.js';
import { startFakeDeepgram, type FakeDeepgramOptions } from '../../../fakes/deepgram.js';
import { fakeRetryTime } from '../../../helpers/retry-time.js';
import { STT_RATE, sttStallScenarios } from '../../../helpers/stt-scenarios.js';
import { collect } from '../../../helpers/stt-stream.js';

// The stream's 1 s watchdog ticks on the ManualClock, which moves as audio is pushed (20 ms
// frames); sockets and the fake server run for real.
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function setup(options: FakeDeepgramOptions = {}) {
  const fake = await startFakeDeepgram(options);
  closers.push(fake.close);
  const { clock, budget } = fakeRetryTime();
  const logs: string[] = [];
  const provider = new DeepgramStt(DeepgramSettingsSchema.parse({ baseUrl: fake.url }), fake.key, { clock, log: (m) => logs.push(m) });
  const stream = await provider.open({ sampleRate: STT_RATE, retry: budget() });
  return { fake, clock, logs, stream, ...collect(stream) };
}

describe('Deepgram: silence is not a stall; a stall is', () => {
  sttStallScenarios('deepgram', setup);
});
