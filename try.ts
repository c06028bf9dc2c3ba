import { SileroVadModel } from './electron/engine/vad/silero.ts';
import { measureTurns } from './test/bench/cascade.ts';
const vad = await SileroVadModel.load();
const t = await measureTurns(vad, { sttFinalDelayMs: 0, llmFirstTokenMs: 0, ttsFirstByteMs: 0 }, 6);
console.log(JSON.stringify(t.map(x => x.report)));
