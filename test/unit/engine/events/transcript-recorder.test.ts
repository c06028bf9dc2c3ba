import { describe, expect, it } from 'vitest';
import { ParleyError } from '../../../../electron/engine/errors.js';
import type { EngineEvent } from '../../../../electron/engine/events/conversation-events.js';
import { TranscriptRecorder, type TranscriptEntry } from '../../../../electron/engine/events/transcript.js';

function recorder() {
  const lines: TranscriptEntry[] = [];
  const r = new TranscriptRecorder({ write: (e) => void lines.push(e), flush: async () => undefined }, () => new Date('2026-11-27T12:00:00Z'));
  return { r, lines };
}

describe('TranscriptRecorder: the log is written from the session events, for both architectures', () => {
  it('a turn with a tool call: user, tool (with the call\'s arguments), assistant, latency; the rest of the events write nothing', () => {
    const { r, lines } = recorder();
    r.started({ stt: 'deepgram', llm: 'openai', tts: 'openai' });
    const events: EngineEvent[] = [
      { type: 'state', state: 'thinking' },
      { type: 'user-final', turnId: 1, text: 'what is two plus two' },
      { type: 'tool-call', turnId: 1, call: { id: 'c1', name: 'calculator', arguments: { expression: '2+2' } } },
      { type: 'tool-result', turnId: 1, callId: 'c1', name: 'calculator', ok: true, content: '4' },
      { type: 'assistant-chunk', turnId: 1, text: 'Four.' },
      { type: 'assistant-done', turnId: 1, text: 'Four.', interrupted: false },
      { type: 'latency', turnId: 1, report: { spans: { speechEnd: 0, firstAudioPlayed: 640 }, voiceToVoiceMs: 640 } },
    ] as EngineEvent[];
    for (const e of events) r.record(e);
    const at = '2026-11-27T12:00:00.000Z';
    expect(lines).toEqual([
      { kind: 'session-start', at, providers: { stt: 'deepgram', llm: 'openai', tts: 'openai' } },
      { kind: 'user', turnId: 1, at, text: 'what is two plus two' },
      { kind: 'tool', turnId: 1, at, name: 'calculator', arguments: { expression: '2+2' }, ok: true, result: '4' },
      { kind: 'assistant', turnId: 1, at, text: 'Four.', interrupted: false },
      { kind: 'latency', turnId: 1, at, spans: { speechEnd: 0, firstAudioPlayed: 640 }, voiceToVoiceMs: 640 },
    ]);
  });

  it('errors with and without a turn', () => {
    const { r, lines } = recorder();
    r.record({ type: 'error', stage: 'stt', error: new ParleyError('provider/unreachable', 'Deepgram is down') });
    r.record({ type: 'error', turnId: 2, stage: 'llm', error: new ParleyError('provider/rate-limited', 'slow down') });
    expect(lines.map((l) => (l.kind === 'error' ? [l.turnId, l.stage, l.code] : l.kind))).toEqual([
      [undefined, 'stt', 'provider/unreachable'],
      [2, 'llm', 'provider/rate-limited'],
    ]);
  });
});
