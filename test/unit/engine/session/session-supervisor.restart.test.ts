import { describe, expect, it } from 'vitest';
import type { RemoteAudioSink } from '../../../../electron/engine/audio/remote-sink.js';
import { ManualClock } from '../../../../electron/engine/clock.js';
import { ParleyError } from '../../../../electron/engine/errors.js';
import type { ConversationState, EngineEvent } from '../../../../electron/engine/events/conversation-events.js';
import type { ChatMessage } from '../../../../electron/engine/providers/types.js';
import type { TimerService } from '../../../../electron/engine/tools/builtins.js';
import type { BuiltSession, LiveSession } from '../../../../electron/engine/session/session-factory.js';
import { SessionSupervisor } from '../../../../electron/engine/session/session-supervisor.js';
import { defaultSettings, type Settings } from '../../../../electron/shared/settings.js';
import { settleTurns as settle } from '../../../helpers/event-loop.js';

/** A session that does nothing but what the supervisor asks of it, and remembers it. */
class StubSession implements LiveSession {
  conversationState: ConversationState = 'listening';
  stopped = false;
  readonly pushed: Float32Array[] = [];
  private listener: ((e: EngineEvent) => void) | undefined;
  constructor(
    readonly name: string,
    private readonly history: ChatMessage[],
  ) {}
  start = async () => {};
  pushAudio = async (samples: Float32Array) => void this.pushed.push(samples);
  endUserSpeech = async () => {};
  interruptReply = () => false;
  subscribe(listener: (e: EngineEvent) => void) {
    this.listener = listener;
    return () => (this.listener = undefined);
  }
  stop = async () => void (this.stopped = true);
  conversation = () => [...this.history, { role: 'user' as const, content: `said to ${this.name}` }];
  emit(e: EngineEvent) {
    if (e.type === 'state') this.conversationState = e.state;
    this.listener?.(e);
  }
}

function setup(o: { failBuild?: () => boolean } = {}) {
  const clock = new ManualClock();
  let settings: Settings = structuredClone(defaultSettings());
  let audience = 1;
  const sessions: StubSession[] = [];
  const log: string[] = [];
  const histories: ChatMessage[][] = [];
  const supervisor = new SessionSupervisor({
    clock,
    settings: () => settings,
    audience: () => audience,
    build: async (s, history) => {
      histories.push(history);
      if (o.failBuild?.()) throw new ParleyError('settings/invalid', 'no key');
      const session = new StubSession(`#${sessions.length + 1} ${s.architecture}`, history);
      sessions.push(session);
      const built: BuiltSession<RemoteAudioSink> = { architecture: s.architecture, session, sink: {} as RemoteAudioSink, timers: { dispose: () => {} } as TimerService, providers: { s2s: 'moshi' }, continuous: false, carriesHistory: true };
      return built;
    },
    hooks: {
      starting: (rate) => log.push(`starting ${rate}`),
      started: (r) => log.push(`started ${(r.session as StubSession).name}`),
      startFailed: (outcome) => log.push(`start ${outcome.state}`),
      event: (session, e) => log.push(`${(session as StubSession).name}: ${e.type}`),
      releaseSink: (_sink, flush) => log.push(`release${flush ? ' and flush' : ''}`),
      notice: (message) => log.push(`notice: ${message}`),
    },
  });
  return {
    supervisor,
    sessions,
    log,
    histories,
    change: (fn: (s: Settings) => void) => {
      settings = structuredClone(settings);
      fn(settings);
    },
    newAudience: () => audience++,
  };
}

describe('SessionSupervisor', () => {
  it('applies changed settings only once the conversation is back to listening, carrying the conversation over', async () => {
    const t = setup();
    t.supervisor.start(16000);
    await settle();
    const first = t.sessions[0]!;
    first.emit({ type: 'state', state: 'thinking' });
    t.change((s) => (s.systemPrompt = 'Be brief.'));
    t.supervisor.settingsChanged('settings');
    await settle();
    expect(t.sessions).toHaveLength(1);
    first.emit({ type: 'state', state: 'listening' });
    await settle();
    expect(first.stopped).toBe(true);
    expect(t.sessions).toHaveLength(2);
    expect(t.histories[1]).toEqual([{ role: 'user', content: 'said to #1 cascade' }]);
    expect(t.log).toEqual(['starting 16000', 'started #1 cascade', '#1 cascade: state', '#1 cascade: state', 'release and flush', 'starting 16000', 'started #2 cascade', 'notice: Settings applied: moshi.']);
  });

  it('ignores a change that does not touch what the session was built from; keys always rebuild', async () => {
    const t = setup();
    t.supervisor.start(16000);
    await settle();
    t.change((s) => (s.mode = 'push-to-talk'));
    t.supervisor.settingsChanged('settings');
    await settle();
    expect(t.sessions).toHaveLength(1);
    t.supervisor.settingsChanged('keys');
    await settle();
    expect(t.sessions).toHaveLength(2);
  });

  it('switches architecture at once, even mid-answer', async () => {
    const t = setup();
    t.supervisor.start(16000);
    await settle();
    t.sessions[0]!.emit({ type: 'state', state: 'assistant-speaking' });
    t.change((s) => (s.architecture = 's2s'));
    t.supervisor.settingsChanged('settings');
    await settle();
    expect(t.supervisor.running?.architecture).toBe('s2s');
    expect(t.log.at(-1)).toMatch(/^notice: Switched to speech-to-speech \(moshi\) in 0 ms; the conversation so far came along\.$/);
  });

  it('a stopping session still reports; a stopped one does not', async () => {
    const t = setup();
    t.supervisor.start(16000);
    await settle();
    const first = t.sessions[0]!;
    first.stop = async () => {
      first.emit({ type: 'user-final', turnId: 1, text: 'last words' });
      first.stopped = true;
    };
    expect(await t.supervisor.stop()).toBe(true);
    first.emit({ type: 'user-final', turnId: 2, text: 'too late' });
    expect(t.log.filter((l) => l.includes('user-final'))).toEqual(['#1 cascade: user-final']);
    expect(await t.supervisor.stop()).toBe(false);
  });

  it('a failed start is the failure of the UI that asked; a newer UI starts from idle', async () => {
    let fail = true;
    const t = setup({ failBuild: () => fail });
    t.supervisor.start(16000);
    await settle();
    expect(t.log.at(-1)).toBe('start failed');
    t.supervisor.start(16000);
    t.newAudience();
    await settle();
    expect(t.log.at(-1)).toBe('start idle');
    fail = false;
    t.supervisor.start(16000);
    await settle();
    expect(t.supervisor.running).toBeDefined();
  });

  it('audio work runs in order on the session it was meant for', async () => {
    const t = setup();
    t.supervisor.start(16000);
    await settle();
    const first = t.sessions[0]!;
    const a = new Float32Array(1);
    t.supervisor.queueAudio((r) => r.session.pushAudio(a));
    const stopping = t.supervisor.stop();
    t.supervisor.queueAudio((r) => r.session.pushAudio(new Float32Array(2)));
    await stopping;
    await settle();
    expect(first.pushed).toEqual([a]);
  });
});
