import { describe, expect, it } from 'vitest';
import { isRunning, useConversationHost } from '../../../helpers/conversation-host.js';
import { concat, silence } from '../../../helpers/signals.js';
import { paddedSpeech } from '../../../helpers/speech.js';

// The architecture toggle during a live conversation: the current session stops cleanly, the
// other starts within a second, and the conversation so far goes along as text where the target
// takes it (cascade <-> OpenAI Realtime); Moshi takes none, and the user is told.

const setup = useConversationHost();
const question = async () => concat((await paddedSpeech('librivox-ss01-0880.wav', 0.3, 0)).audio, silence(16000, 1.8));
const notice = (re: RegExp) => (m: { type: string; event?: { type: string; message?: string } }) => m.type === 'event' && m.event?.type === 'notice' && re.test(m.event.message ?? '');

describe('architecture toggle (ConversationHost)', () => {
  it('cascade -> OpenAI Realtime -> cascade mid-conversation, history carried both ways, each switch under a second', async () => {
    const h = await setup({
      utterances: ['my name is Ada', 'what is my name'],
      openai: { llm: (r) => ({ text: `You told me ${r.messages.filter((m) => m.role === 'user').length} things.` }) },
      realtime: { transcripts: ['remember the number seven'], reply: () => ({ text: 'Seven, noted.' }) },
    });
    h.player.command({ type: 'start', inputRate: 16000 });
    await h.player.waitFor(isRunning);
    await h.speak(await question());
    await h.player.waitFor((m) => m.type === 'event' && m.event.type === 'latency', 15_000);

    await h.store.update((s) => {
      s.architecture = 's2s';
      s.s2s.provider = 'openai-realtime';
    });
    h.host.settingsChanged();
    await h.player.waitFor((m) => m.type === 'session' && (m.status.state === 'running' || m.status.state === 'failed') && h.player.messages.filter(isRunning).length === 2 || (m.type === 'session' && m.status.state === 'failed'));
    const failed = h.player.messages.find((m) => m.type === 'session' && m.status.state === 'failed');
    expect(failed).toBeUndefined();
    const switched = await h.player.waitFor(notice(/^Switched to speech-to-speech \(openai-realtime\) in \d+ ms; the conversation so far came along\.$/));
    expect(Number(/in (\d+) ms/.exec((switched as { event: { message: string } }).event.message)![1])).toBeLessThan(1000);
    expect(h.host.architecture).toBe('s2s');
    // Realtime got the cascade's turn as conversation items.
    expect(h.realtime!.stats.items.slice(0, 2)).toEqual([expect.objectContaining({ role: 'user', text: 'my name is Ada' }), expect.objectContaining({ role: 'assistant', text: 'You told me 1 things.' })]);
    await h.speak(await question());
    await h.player.waitFor((m) => m.type === 'event' && m.event.type === 'assistant-done' && m.event.text === 'Seven, noted.', 15_000);

    await h.store.update((s) => void (s.architecture = 'cascade'));
    h.host.settingsChanged();
    await h.player.waitFor(notice(/^Switched to the cascade in \d+ ms/));
    await h.speak(await question());
    await h.player.waitFor((m) => m.type === 'event' && m.event.type === 'assistant-done' && h.player.events('assistant-done').length === 3, 15_000);
    // Turn ids stay unique across the three sessions (the UI keys its turns by them).
    expect(h.player.events('user-final').map((e) => e.turnId)).toEqual([1, 2, 3]);
    expect(h.player.events('assistant-done').map((e) => e.text)).toEqual(['You told me 1 things.', 'Seven, noted.', 'You told me 3 things.']);
    // The LLM saw all three user turns: the first cascade one, the Realtime one, and this one.
    const last = h.openai.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!.body as { messages: { role: string; content: string }[] };
    expect(last.messages.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['my name is Ada', 'remember the number seven', 'what is my name']);
    expect(last.messages.some((m) => m.role === 'assistant' && m.content === 'Seven, noted.')).toBe(true);
  }, 60_000);

  it('into Moshi: it starts fresh (it takes no text), the transcript stays, and the UI is told why', async () => {
    const h = await setup({ moshi: { replies: [[' Hi', ' again', '.']] } });
    h.player.command({ type: 'start', inputRate: 16000 });
    await h.player.waitFor(isRunning);
    await h.speak(await question());
    await h.player.waitFor((m) => m.type === 'event' && m.event.type === 'latency', 15_000);
    await h.store.update((s) => {
      s.architecture = 's2s';
      s.s2s.provider = 'moshi';
    });
    h.host.settingsChanged();
    await h.player.waitFor(notice(/Moshi takes no text context: it starts this conversation fresh/));
    await h.player.waitFor(notice(/^Switched to speech-to-speech \(moshi\)/));
    // One story: it starts fresh; nothing claims the conversation came along.
    const notices = h.player.events('notice').map((e) => e.message);
    expect(notices.filter((m) => /came along|carried/.test(m))).toEqual([]);
    expect(notices.find((m) => m.startsWith('Switched to'))).toMatch(/^Switched to speech-to-speech \(moshi\) in \d+ ms\.$/);
    // Moshi needs audio all the time: muted, it still gets (silent) frames and keeps its pace.
    h.player.command({ type: 'mute', muted: true });
    await h.speak(silence(16000, 1));
    expect(h.moshi!.stats.secondsHeard).toBeGreaterThan(0.5);
    h.player.command({ type: 'mute', muted: false });
    await h.speak(await question());
    await h.player.waitFor((m) => m.type === 'event' && m.event.type === 'assistant-chunk' && m.event.text === ' again', 15_000);
    const status = h.player.messages.filter(isRunning).at(-1) as { status: { architecture: string; providers: Record<string, string>; playbackRate: number } };
    expect(status.status).toMatchObject({ architecture: 's2s', providers: { s2s: 'moshi' }, playbackRate: 24000 });
  }, 60_000);

  it('starts a local Moshi server from its launch command once the user allowed it, shows its logs, and stops it on quit', async () => {
    const net = await import('node:net');
    const path = await import('node:path');
    const { ROOT } = await import('../../../paths.js');
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const asked: string[] = [];
    let allow = false;
    const h = await setup({ approveLaunch: async (command) => (asked.push(command), allow) });
    const launchCommand = `"${process.execPath}" "${path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs')}" "${path.join(ROOT, 'test', 'fakes', 'moshi-server-process.ts')}" --port ${port} --delay-ms 300`;
    await h.store.update((s) => {
      s.architecture = 's2s';
      s.s2s.provider = 'moshi';
      s.providers.s2s.moshi = { baseUrl: `ws://127.0.0.1:${port}/api/chat`, launchCommand };
    });
    // The settings came from the UI: nothing runs until the user allows it (outside the renderer).
    h.player.command({ type: 'start', inputRate: 16000 });
    const refused = await h.player.waitFor((m) => m.type === 'session' && m.status.state === 'failed');
    expect(refused).toMatchObject({ status: { error: { message: `You did not allow Parley to run: ${launchCommand}` } } });
    expect(h.host.serverLogs().running).toBe(false);
    allow = true;
    h.player.command({ type: 'start', inputRate: 16000 });
    await h.player.waitFor(isRunning, 20_000);
    await h.player.waitFor(notice(/Starting the local Moshi server/));
    expect(asked).toEqual([launchCommand, launchCommand]);
    expect(h.host.serverLogs()).toMatchObject({ running: true, lines: expect.arrayContaining(['loading the model...']) });
    await h.host.shutdown();
    expect(h.host.serverLogs().running).toBe(false);
  }, 30_000);

  it('compare: replays the last utterance through both architectures and reports both answers and latencies', async () => {
    const h = await setup({ utterances: ['what time is it', 'what time is it'], openai: { llm: () => ({ text: 'It is noon.' }) }, moshi: { replies: [[' Noon', ',', ' I', ' think', '.']] } });
    h.player.command({ type: 'compare' });
    await h.player.waitFor((m) => m.type === 'compare' && m.state === 'failed');
    expect(h.player.messages.find((m) => m.type === 'compare')).toMatchObject({ error: { message: expect.stringContaining('say something first') } });
    h.player.command({ type: 'start', inputRate: 16000 });
    await h.player.waitFor(isRunning);
    await h.speak(await question());
    await h.player.waitFor((m) => m.type === 'event' && m.event.type === 'latency', 15_000);
    await h.store.update((s) => void (s.s2s.provider = 'moshi'));
    h.player.command({ type: 'compare' });
    const running = await h.player.waitFor((m) => m.type === 'compare' && m.state === 'running');
    expect((running as { utteranceMs: number }).utteranceMs).toBeGreaterThan(2000);
    const done = (await h.player.waitFor((m) => m.type === 'compare' && m.state === 'done', 30_000)) as { results: { architecture: string; user: string; assistant: string; latency?: { voiceToVoiceMs?: number }; error?: unknown }[] };
    const [cascade, s2s] = done.results;
    expect(cascade).toMatchObject({ architecture: 'cascade', user: 'what time is it', assistant: 'It is noon.' });
    expect(cascade!.latency!.voiceToVoiceMs).toBeGreaterThan(0);
    expect(s2s).toMatchObject({ architecture: 's2s', assistant: 'Noon, I think.' });
    expect(s2s!.latency!.voiceToVoiceMs).toBeGreaterThan(0);
    expect(cascade!.error).toBeUndefined();
    expect(s2s!.error).toBeUndefined();
  }, 60_000);

  it('a speech-to-speech model that drops the call for good ends the session with the error; the transcript stays; Try again works', async () => {
    // The first call drops after the answer; every reconnect is closed right after its handshake.
    const h = await setup({ moshi: { replies: [[' Hi', '.']], faults: [{ kind: 'drop', afterMs: 4400, connection: 1 }], dropAfterHandshake: (n) => n > 1 } });
    await h.store.update((s) => void (s.architecture = 's2s'));
    h.player.command({ type: 'start', inputRate: 16000 });
    await h.player.waitFor(isRunning);
    await h.speak(await question());
    const failed = await h.player.waitFor((m) => m.type === 'session' && m.status.state === 'failed', 10_000);
    expect(failed).toMatchObject({ status: { error: { code: 'provider/disconnected', message: expect.stringContaining('mid-call') } } });
    expect(h.player.events('notice').filter((e) => /reconnecting to Moshi$/.test(e.message))).toHaveLength(4); // the drop, then 3 reconnects that died
    expect(h.player.events('assistant-done').map((e) => e.text)).toEqual(['Hi.']);
    h.player.command({ type: 'start', inputRate: 16000 });
    await h.player.waitFor(() => h.player.messages.filter(isRunning).length === 2);
  }, 30_000);
});
