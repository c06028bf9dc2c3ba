import { afterEach, describe, expect, it } from 'vitest';
import { ClockedSink } from '../../../../electron/engine/audio/playout.js';
import { ManualClock } from '../../../../electron/engine/clock.js';
import { CascadeSession } from '../../../../electron/engine/cascade/session.js';
import type { EngineEvent } from '../../../../electron/engine/events/conversation-events.js';
import type { LlmEvent, LlmProvider, SttEvent, SttProvider, SttStream, TtsEvent, TtsProvider } from '../../../../electron/engine/providers/types.js';
import type { SpeechProbabilityModel } from '../../../../electron/engine/vad/silero.js';
import { AsyncQueue } from '../../../../electron/engine/util/async-queue.js';
import { settleTurns } from '../../../helpers/event-loop.js';

// A whole cascade session on a ManualClock, with providers that answer at once: what is timed is
// only how the microphone's audio reaches the session. The VAD reads loudness (a voiced frame is
// loud), and the STT finalizes with the words of each stretch of speech it was pushed.

const PUSH = 320; // 20 ms at 16 kHz, as the app's microphone frames
const loudnessVad: SpeechProbabilityModel = {
  sampleRate: 16000,
  frameSamples: 512,
  process: async (frame) => (frame.reduce((m, x) => Math.max(m, Math.abs(x)), 0) > 0.1 ? 0.95 : 0.02),
  reset: () => undefined,
};

/** Finalize returns the words of the speech pushed since the last final (one phrase per stretch of speech). */
function phraseStt(phrases: string[]): SttProvider {
  return {
    id: 'phrases',
    open: async () => {
      const events = new AsyncQueue<SttEvent>();
      events.push({ type: 'status', status: { state: 'ok' } });
      let voicedSinceFinal = false;
      const stream: SttStream = {
        push: (samples) => {
          if (samples.some((x) => Math.abs(x) > 0.1)) voicedSinceFinal = true;
        },
        finalize: () => {
          if (!voicedSinceFinal) return;
          voicedSinceFinal = false;
          events.push({ type: 'final', text: phrases.shift() ?? '', endOfSpeech: false, fromFinalize: true });
        },
        end: async () => events.end(),
        close: () => events.end(),
        [Symbol.asyncIterator]: () => events[Symbol.asyncIterator](),
      };
      return stream;
    },
  };
}

const llm: LlmProvider = {
  id: 'instant-llm',
  async *stream(): AsyncIterable<LlmEvent> {
    yield { type: 'text', text: 'Done.' };
    yield { type: 'done', finishReason: 'stop' };
  },
};

const tts: TtsProvider = {
  id: 'instant-tts',
  sampleRate: 24000,
  open: () => {
    const events = new AsyncQueue<TtsEvent>();
    let segment = 0;
    return {
      push: (text: string) => {
        const n = segment++;
        events.push({ type: 'audio', segment: n, pcm: new Int16Array(2400).fill(text ? 1000 : 0), sampleRate: 24000 });
        events.push({ type: 'segment-done', segment: n });
        return n;
      },
      end: () => events.end(),
      close: () => events.end(),
      [Symbol.asyncIterator]: () => events[Symbol.asyncIterator](),
    };
  },
};

// Words that look complete end a turn 400 ms after the speech (the default is 200): a 240 ms pause
// with the next words on time does not.
const TURN_TAKING = { endOfTurn: { completeWaitMs: 400 } };

type Stretch = { speech: number } | { silence: number };
function pushesOf(stretches: Stretch[]): Float32Array[] {
  const out: Float32Array[] = [];
  for (const s of stretches) {
    const loud = 'speech' in s;
    for (let ms = 0; ms < (loud ? s.speech : s.silence); ms += 20) out.push(new Float32Array(PUSH).fill(loud ? 0.5 : 0));
  }
  return out;
}

describe('cascade: microphone audio that comes late', () => {
  let session: CascadeSession | undefined;
  afterEach(async () => session?.stop());

  async function converse(delivery: (pushes: Float32Array[], push: (p: Float32Array) => Promise<void>, clock: ManualClock) => Promise<void>) {
    const clock = new ManualClock(1000);
    session = new CascadeSession({ stt: phraseStt(['Turn on the lights.', 'in the kitchen please.']), llm, tts, vad: loudnessVad, sink: new ClockedSink(24000, clock, true), clock, turnTaking: TURN_TAKING });
    const events: EngineEvent[] = [];
    session.subscribe((e) => events.push(e));
    await session.start();
    // "Turn on the lights" - a 240 ms pause - "in the kitchen please", then silence.
    const pushes = pushesOf([{ silence: 200 }, { speech: 800 }, { silence: 240 }, { speech: 700 }, { silence: 1600 }]);
    await delivery(pushes, async (p) => {
      await session!.pushAudio(p);
      await settleTurns(5);
    }, clock);
    return events.filter((e) => e.type === 'user-final').map((e) => (e as { text: string }).text);
  }

  it('audio in real time: the pause is too short to end the turn, one turn with every word', async () => {
    const turns = await converse(async (pushes, push, clock) => {
      for (const p of pushes) {
        await push(p);
        clock.advance(20);
      }
    });
    expect(turns).toEqual(['Turn on the lights. in the kitchen please.']);
  });

  it('the page stalls 600 ms inside the pause, then delivers the audio in a burst: still one turn with every word', async () => {
    const turns = await converse(async (pushes, push, clock) => {
      // Speech, then 160 ms of the pause arrive on time (the pause is heard, the STT finalizes
      // "Turn on the lights." and the detector waits until 400 ms after the speech)...
      const onTime = (200 + 800 + 160) / 20;
      for (const p of pushes.slice(0, onTime)) {
        await push(p);
        clock.advance(20);
      }
      // ...then nothing for 600 ms (the page busy), and the missing audio at once.
      for (let ms = 0; ms < 600; ms += 20) {
        clock.advance(20);
        await settleTurns(5);
      }
      const missed = 600 / 20;
      for (const p of pushes.slice(onTime, onTime + missed)) await push(p);
      for (const p of pushes.slice(onTime + missed)) {
        await push(p);
        clock.advance(20);
      }
    });
    expect(turns).toEqual(['Turn on the lights. in the kitchen please.']);
  });

  it('the microphone stops in a pause (muted, unplugged): the turn still ends, soon after', async () => {
    const clock = new ManualClock(1000);
    session = new CascadeSession({ stt: phraseStt(['Turn on the lights.']), llm, tts, vad: loudnessVad, sink: new ClockedSink(24000, clock, true), clock, turnTaking: TURN_TAKING });
    const finals: Array<{ text: string; at: number }> = [];
    session.subscribe((e) => {
      if (e.type === 'user-final') finals.push({ text: e.text, at: clock.now() });
    });
    await session.start();
    const pushes = pushesOf([{ silence: 200 }, { speech: 800 }, { silence: 160 }]);
    for (const p of pushes) {
      await session.pushAudio(p);
      await settleTurns(5);
      clock.advance(20);
    }
    const lastAudio = clock.now();
    for (let ms = 0; ms < 2000 && finals.length === 0; ms += 10) {
      clock.advance(10);
      await settleTurns(5);
    }
    expect(finals.map((f) => f.text)).toEqual(['Turn on the lights.']);
    // At most the timeline's 1000 ms for input that stopped, after the last frame placed.
    expect(finals[0]!.at - lastAudio).toBeLessThanOrEqual(1000);
    expect(finals[0]!.at - lastAudio).toBeGreaterThanOrEqual(400 - 160);
  });

  it('push-to-talk, twice: the second turn is dated where it was spoken, not in the first press\'s stream', async () => {
    const clock = new ManualClock(1000);
    session = new CascadeSession({ stt: phraseStt(['Turn on the lights.', 'And the radio.']), llm, tts, vad: loudnessVad, sink: new ClockedSink(24000, clock, true), clock });
    const reports: Array<{ speechEndStreamMs?: number; voiceToVoiceMs?: number }> = [];
    session.subscribe((e) => {
      if (e.type === 'latency') reports.push(e.report);
    });
    await session.start();
    const press = async () => {
      // The key is held: 600 ms of speech, then released (the host stops sending audio).
      for (const p of pushesOf([{ speech: 600 }])) {
        await session!.pushAudio(p);
        await settleTurns(5);
        clock.advance(20);
      }
      await session!.endUserSpeech();
      // The reply is spoken; nothing is sent while the key is up.
      for (let ms = 0; ms < 1500; ms += 10) {
        clock.advance(10);
        await settleTurns(5);
      }
    };
    await press();
    await press();
    // (The VAD pads the last partial frame when the key is released: 600 ms of audio is 19 frames, 608 ms.)
    expect(reports.map((r) => r.speechEndStreamMs)).toEqual([608, 1208]);
    for (const r of reports) {
      expect(r.voiceToVoiceMs).toBeGreaterThanOrEqual(0);
      expect(r.voiceToVoiceMs).toBeLessThan(200);
    }
  });
});
