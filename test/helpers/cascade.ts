import { afterAll, afterEach, beforeAll } from 'vitest';
import { ClockedSink } from '../../electron/engine/audio/playout.js';
import { systemClock } from '../../electron/engine/clock.js';
import type { EngineEvent } from '../../electron/engine/events/conversation-events.js';
import { CascadeSession, type CascadeOptions } from '../../electron/engine/cascade/session.js';
import { AnthropicLlm, AnthropicSettingsSchema } from '../../electron/engine/providers/llm/anthropic.js';
import { OpenAiChatLlm, OpenAiChatSettingsSchema } from '../../electron/engine/providers/llm/openai-chat.js';
import { DeepgramSettingsSchema, DeepgramStt } from '../../electron/engine/providers/stt/deepgram.js';
import { OpenAiSpeechSettingsSchema, OpenAiSpeechTts } from '../../electron/engine/providers/tts/openai-speech.js';
import { MemoryTranscriptLog } from '../../electron/engine/session/transcript-log.js';
import { SileroVadModel, type SpeechProbabilityModel } from '../../electron/engine/vad/silero.js';
import { startFakeAnthropic } from '../fakes/anthropic.js';
import { startFakeDeepgram, type FakeDeepgramOptions } from '../fakes/deepgram.js';
import { startFakeOpenAi, type FakeOpenAiOptions } from '../fakes/openai.js';

export const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 20 };

export interface HarnessOptions {
  vad: SpeechProbabilityModel;
  deepgram?: FakeDeepgramOptions;
  openai?: FakeOpenAiOptions;
  /** Start an Anthropic fake as the fallback LLM. */
  fallbackAnthropic?: Parameters<typeof startFakeAnthropic>[0];
  session?: Partial<CascadeOptions>;
  openaiKey?: string;
  deepgramKey?: string;
}

/**
 * A full cascade on real Silero VAD and the real provider clients, talking to the local fakes of
 * Deepgram and OpenAI (and optionally Anthropic), playing into a real-time ClockedSink.
 */
export async function cascadeHarness(o: HarnessOptions) {
  const deepgram = await startFakeDeepgram(o.deepgram);
  const openai = await startFakeOpenAi(o.openai);
  const anthropic = o.fallbackAnthropic ? await startFakeAnthropic(o.fallbackAnthropic) : undefined;
  const clock = systemClock;
  const sink = new ClockedSink(24000, clock, true);
  const log = new MemoryTranscriptLog();
  const session = new CascadeSession({
    stt: new DeepgramStt(DeepgramSettingsSchema.parse({ baseUrl: deepgram.url }), o.deepgramKey ?? deepgram.key, { clock }),
    llm: new OpenAiChatLlm(OpenAiChatSettingsSchema.parse({ baseUrl: openai.baseUrl, stallTimeoutMs: 2000 }), o.openaiKey ?? openai.key, FAST_RETRY),
    tts: new OpenAiSpeechTts(OpenAiSpeechSettingsSchema.parse({ baseUrl: openai.baseUrl, stallTimeoutMs: 2000 }), o.openaiKey ?? openai.key, FAST_RETRY),
    ...(anthropic ? { fallbackLlm: new AnthropicLlm(AnthropicSettingsSchema.parse({ baseUrl: anthropic.url }), anthropic.key, FAST_RETRY) } : {}),
    vad: o.vad,
    sink,
    clock,
    log,
    systemPrompt: 'You are Parley, a helpful voice assistant.',
    turnTaking: { endOfTurn: { uncertainWaitMs: 600 } },
    ...o.session,
  });
  const events: EngineEvent[] = [];
  session.subscribe((e) => events.push(e));
  await session.start();
  return {
    session,
    events,
    deepgram,
    openai,
    anthropic,
    sink,
    log,
    /** Resolves when an event matching `pred` has been emitted. */
    waitFor: (pred: (e: EngineEvent) => boolean, timeoutMs = 10_000) =>
      new Promise<EngineEvent>((resolve, reject) => {
        const hit = events.find(pred);
        if (hit) return resolve(hit);
        const timer = setTimeout(() => reject(new Error(`timed out waiting for an event; got ${events.map((e) => e.type).join(', ')}`)), timeoutMs);
        const off = session.subscribe((e) => {
          if (pred(e)) {
            clearTimeout(timer);
            off();
            resolve(e);
          }
        });
      }),
    close: async () => {
      await session.stop();
      await deepgram.close();
      await openai.close();
      await anthropic?.close();
    },
  };
}

/**
 * For a test file: loads the real Silero model once, and closes every harness after each test.
 * `start()` builds a harness on that model.
 */
export function useCascadeHarness() {
  let vad: SileroVadModel | undefined;
  const open: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    vad = await SileroVadModel.load();
  });
  afterAll(async () => vad?.release());
  afterEach(async () => {
    for (const h of open.splice(0)) await h.close();
  });
  return {
    start: async (options: Omit<HarnessOptions, 'vad'>) => {
      const h = await cascadeHarness({ vad: vad!, ...options });
      open.push(h);
      return h;
    },
  };
}
