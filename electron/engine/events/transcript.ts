// The session log's vocabulary, below the sessions that write it (cascade/, s2s/) and the
// session/ code that stores it (session/transcript-log.ts: to a JSONL file or memory).
import type { EngineEvent } from './conversation-events.js';

/** One line of the per-session JSONL log: the transcript and each turn's latency, as they happen. */
export type TranscriptEntry =
  | { kind: 'session-start'; at: string; providers: Record<string, string> }
  | { kind: 'user'; turnId: number; at: string; text: string }
  | { kind: 'assistant'; turnId: number; at: string; text: string; interrupted: boolean }
  | { kind: 'tool'; turnId: number; at: string; name: string; arguments: unknown; ok: boolean; result: string }
  | { kind: 'latency'; turnId: number; at: string; spans: Record<string, number>; voiceToVoiceMs?: number }
  | { kind: 'error'; turnId?: number; at: string; stage: string; code: string; message: string };

export interface TranscriptLog {
  write(entry: TranscriptEntry): void;
  /** Resolves when every entry so far is on disk. */
  flush(): Promise<void>;
}

/**
 * The one writer of a session's log, for both architectures: it listens to the session's events
 * (user-final, tool-call/tool-result, assistant-done, latency, error) rather than each session
 * writing lines of its own.
 */
export class TranscriptRecorder {
  /** Tool-call arguments by call id, until their result is logged. */
  private readonly toolArgs = new Map<string, unknown>();

  constructor(
    private readonly log: TranscriptLog,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The session started, with these providers (by role). */
  started(providers: Record<string, string>): void {
    this.log.write({ kind: 'session-start', at: this.at(), providers });
  }

  record(e: EngineEvent): void {
    switch (e.type) {
      case 'user-final':
        this.log.write({ kind: 'user', turnId: e.turnId, at: this.at(), text: e.text });
        break;
      case 'tool-call':
        this.toolArgs.set(e.call.id, e.call.arguments);
        break;
      case 'tool-result':
        this.log.write({ kind: 'tool', turnId: e.turnId, at: this.at(), name: e.name, arguments: this.toolArgs.get(e.callId), ok: e.ok, result: e.content });
        this.toolArgs.delete(e.callId);
        break;
      case 'assistant-done':
        this.log.write({ kind: 'assistant', turnId: e.turnId, at: this.at(), text: e.text, interrupted: e.interrupted });
        break;
      case 'latency': {
        const r = e.report;
        this.log.write({ kind: 'latency', turnId: e.turnId, at: this.at(), spans: r.spans as Record<string, number>, ...(r.voiceToVoiceMs !== undefined ? { voiceToVoiceMs: r.voiceToVoiceMs } : {}) });
        break;
      }
      case 'error':
        this.log.write({ kind: 'error', ...(e.turnId !== undefined ? { turnId: e.turnId } : {}), at: this.at(), stage: e.stage, code: e.error.code, message: e.error.message });
        break;
      default:
        break;
    }
  }

  flush(): Promise<void> {
    return this.log.flush();
  }

  private at(): string {
    return this.now().toISOString();
  }
}
