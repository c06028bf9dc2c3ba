// The session log's vocabulary, below the sessions that write it (cascade/, s2s/) and the
// session/ code that stores it (session/transcript-log.ts: to a JSONL file or memory).

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
