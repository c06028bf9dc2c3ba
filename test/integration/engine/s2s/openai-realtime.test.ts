import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../../electron/engine/events/conversation-events.js';
import { OpenAiRealtimeClient, OpenAiRealtimeSettingsSchema } from '../../../../electron/engine/providers/s2s/openai-realtime.js';
import type { S2sSessionOptions } from '../../../../electron/engine/s2s/session.js';
import { calculatorTool } from '../../../../electron/engine/tools/builtins.js';
import { ToolRegistry } from '../../../../electron/engine/tools/registry.js';
import { startFakeRealtime, type FakeRealtimeOptions } from '../../../fakes/openai-realtime.js';
import { concat, silence } from '../../../helpers/signals.js';
import { useS2sHarness } from '../../../helpers/s2s.js';
import { paddedSpeech } from '../../../helpers/speech.js';


const harness = useS2sHarness();

async function call(fake: FakeRealtimeOptions = {}, o: { key?: string; history?: { role: 'user' | 'assistant'; text: string }[]; tools?: ToolRegistry } = {}, session: Partial<S2sSessionOptions> = {}) {
  const server = await startFakeRealtime(fake);
  const client = new OpenAiRealtimeClient(OpenAiRealtimeSettingsSchema.parse({ baseUrl: server.url, turnDetection: 'server_vad', silenceDurationMs: 400 }), o.key ?? server.key, o.tools);
  return { server, ...harness(client, server, { instructions: 'Be brief.', history: o.history, ...session }) };
}

const utterance = async (name = 'librivox-ss01-0880.wav') => (await paddedSpeech(name, 0.3, 0)).audio;
const texts = (events: EngineEvent[], type: EngineEvent['type']) => events.filter((e) => e.type === type).map((e) => (e as { text: string }).text);

describe('speech-to-speech: OpenAI Realtime', () => {
  it('sets up the session (GA shape), carries the conversation as text, and answers a spoken question with transcripts and latency', async () => {
    const h = await call({ transcripts: ['what time is it'], reply: () => ({ text: 'It is noon right now.' }) }, { history: [{ role: 'user', text: 'my name is Ada' }, { role: 'assistant', text: 'Hi Ada.' }] });
    await h.session.start();
    const session = h.server.stats.sessions[0] as { type: string; instructions: string; audio: { input: { format: unknown; turn_detection: { type: string } }; output: { voice: string; format: unknown } } };
    expect(session).toMatchObject({ type: 'realtime', instructions: 'Be brief.', audio: { input: { format: { type: 'audio/pcm', rate: 24000 }, turn_detection: { type: 'server_vad' } }, output: { voice: 'marin' } } });
    expect(h.server.stats.items.slice(0, 2)).toEqual([expect.objectContaining({ role: 'user', text: 'my name is Ada' }), expect.objectContaining({ role: 'assistant', text: 'Hi Ada.' })]);
    await h.speak(concat(await utterance(), silence(16000, 2)));
    await h.session.stop();
    expect(texts(h.events, 'user-final')).toEqual(['what time is it']);
    expect(texts(h.events, 'assistant-done')).toEqual(['It is noon right now.']);
    expect(texts(h.events, 'assistant-chunk').join('')).toBe('It is noon right now.'); // pieces as the model wrote them
    const latency = h.events.find((e) => e.type === 'latency') as Extract<EngineEvent, { type: 'latency' }>;
    expect(latency.report.voiceToVoiceMs).toBeGreaterThan(300); // the fake's 400 ms silence rule
    expect(latency.report.voiceToVoiceMs).toBeLessThan(1500);
    expect(h.events.some((e) => e.type === 'error')).toBe(false);
  }, 30_000);

  it('a transcript that lags the audio still comes out in order, as it is heard', async () => {
    const answer = 'It is ten past nine in the morning where you are.';
    const h = await call({ reply: () => ({ text: answer }), transcriptLagWords: 3, msPerChar: 30 });
    await h.session.start();
    await h.speak(concat(await utterance(), silence(16000, 3)));
    await h.session.stop();
    expect(texts(h.events, 'assistant-chunk').join('')).toBe(answer);
    expect(texts(h.events, 'assistant-done')).toEqual([answer]);
  }, 30_000);

  it('understands the older event names too (response.audio.delta, response.audio_transcript.delta)', async () => {
    const h = await call({ legacyNames: true, reply: () => ({ text: 'Legacy works.' }) });
    await h.session.start();
    await h.speak(concat(await utterance(), silence(16000, 1.5)));
    await h.session.stop();
    expect(texts(h.events, 'assistant-done')).toEqual(['Legacy works.']);
  }, 30_000);

  it('runs function calls on the same tool registry as the cascade', async () => {
    const tools = new ToolRegistry().register(calculatorTool);
    const h = await call({ reply: (items) => (items.some((i) => i.type === 'function_call_output') ? { text: `The answer is ${(JSON.parse(items.find((i) => i.type === 'function_call_output')!.output!) as { value: number }).value}.` } : { toolCall: { name: 'calculate', arguments: { expression: '6*7' } } }) }, { tools });
    await h.session.start();
    await h.speak(concat(await utterance(), silence(16000, 2)));
    await h.session.stop();
    expect(JSON.parse(h.server.stats.items.find((i) => i.type === 'function_call_output')!.output!)).toEqual({ expression: '6*7', value: 42 });
    expect(texts(h.events, 'assistant-done')).toEqual(['The answer is 42.']);
  }, 30_000);

  it('two function calls in one response: both outputs go back, then one response.create after response.done', async () => {
    const tools = new ToolRegistry().register(calculatorTool);
    const outputs = (items: { type: string; output?: string }[]) => items.filter((i) => i.type === 'function_call_output').map((i) => (JSON.parse(i.output!) as { value: number }).value);
    const h = await call(
      {
        reply: (items) =>
          outputs(items).length > 0
            ? { text: `That is ${outputs(items).join(' and ')}.` }
            : { toolCalls: [{ name: 'calculate', arguments: { expression: '6*7' } }, { name: 'calculate', arguments: { expression: '2+2' } }] },
      },
      { tools },
    );
    await h.session.start();
    await h.speak(concat(await utterance(), silence(16000, 2)));
    await h.session.stop();
    expect(outputs(h.server.stats.items)).toEqual([42, 4]);
    expect(h.server.stats.refusedCreates).toBe(0);
    expect(h.events.filter((e) => e.type === 'error')).toEqual([]);
    expect(texts(h.events, 'assistant-done')).toEqual(['That is 42 and 4.']);
  }, 30_000);

  it('the user talking over the answer cuts it at what was heard and truncates the item there', async () => {
    const long = 'Let me tell you about the history of lighthouses along the coast, which is a long and winding story with many keepers.';
    const h = await call({ transcripts: ['tell me a story', 'stop'], reply: (items) => ({ text: items.filter((i) => i.role === 'user').length === 1 ? long : 'Okay.' }), msPerChar: 60, deltaMs: 200 });
    await h.session.start();
    await h.speak(concat(await utterance(), silence(16000, 1.6), await utterance('librivox-ss01-0890.wav'), silence(16000, 2)));
    await h.session.stop();
    const done = h.events.filter((e) => e.type === 'assistant-done') as Extract<EngineEvent, { type: 'assistant-done' }>[];
    expect(done[0]!.interrupted).toBe(true);
    expect(long.startsWith(done[0]!.text)).toBe(true);
    expect(done[0]!.text.length).toBeLessThan(long.length);
    expect(done[1]).toMatchObject({ text: 'Okay.', interrupted: false });
    const cut = h.server.stats.truncations[0]!;
    expect(cut.audio_end_ms).toBeGreaterThan(0);
    expect(cut.audio_end_ms).toBeLessThan(long.length * 60);
    // Server VAD already cancelled the answer: no extra response.cancel (it would be refused).
    expect(h.server.stats.cancels).toBe(0);
    expect(h.events.filter((e) => e.type === 'error')).toEqual([]);
  }, 40_000);

  it('a reply that hangs (no more events, no response.done) is noticed, then the call is reconnected with the conversation so far', async () => {
    const h = await call({ hangAfterDeltas: 2, transcripts: ['what time is it'], reply: () => ({ text: 'It is ten past nine in the evening.' }) }, {}, { stallNoticeMs: 800, stallReconnectMs: 1600 });
    await h.session.start();
    await h.speak(concat(await utterance(), silence(16000, 2.5)));
    const notices = h.events.filter((e) => e.type === 'notice').map((e) => (e as { message: string }).message);
    expect(notices).toContainEqual(expect.stringMatching(/^OpenAI Realtime has sent nothing for \d s$/));
    expect(notices).toContainEqual(expect.stringMatching(/^OpenAI Realtime stopped responding \(nothing for 2 s\); reconnecting to OpenAI Realtime$/));
    expect(h.server.stats.connections).toBe(2);
    // The new connection was told what the user said before the hang.
    expect(h.server.stats.items.filter((i) => i.role === 'user' && i.text === 'what time is it')).toHaveLength(2);
    expect(h.session.conversationState).toBe('listening');
    expect(h.session.failure).toBeUndefined();
  }, 40_000);

  it('a rejected key fails the connection with a typed error; a drop mid-call and error events are reported', async () => {
    const bad = await call({}, { key: 'sk-wrong' });
    await expect(bad.session.start()).rejects.toMatchObject({ code: 'provider/invalid-key', provider: 'openai-realtime', message: 'invalid API key for OpenAI Realtime (the service closed the connection: invalid_request_error.invalid_api_key)' });
    expect(bad.server.stats.rejectedKeys).toBe(1);
    const flaky = await call({ errorAfterMs: 500, dropAfterMs: 1500 });
    await flaky.session.start();
    await flaky.speak(silence(16000, 2.5));
    const errors = flaky.events.filter((e) => e.type === 'error') as Extract<EngineEvent, { type: 'error' }>[];
    expect(errors.map((e) => e.error.code)).toEqual(['provider/server-error', 'provider/protocol']);
    // The drop is not the end: a new connection, told the conversation so far.
    expect(flaky.server.stats.connections).toBe(2);
    const notices = flaky.events.filter((e) => e.type === 'notice').map((e) => (e as { message: string }).message);
    expect(notices).toContainEqual(expect.stringMatching(/^OpenAI Realtime closed the connection mid-call .*; reconnecting to OpenAI Realtime$/));
    expect(notices).toContainEqual(expect.stringMatching(/^Reconnected to OpenAI Realtime after \d+\.\d s\. What you said in that time was not heard; the conversation so far came along\.$/));
    expect(flaky.session.failure).toBeUndefined();
  }, 20_000);
});
