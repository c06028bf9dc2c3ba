import type { DeviceInfo } from '../../shared/conversation.js';
import type { Clock } from '../clock.js';
import type { ParleyError } from '../errors.js';
import type { RetryBudget } from './retry-budget.js';
import type { ToolCall, ToolSpec } from '../tools/types.js';

/** Everything a provider gets from the engine besides its own settings. */
export interface ProviderContext {
  clock: Clock;
  /** Diagnostics (retries, reconnects); never the user's content. */
  log?: (message: string) => void;
  /** A local model loaded: where it runs (shown where the conversation names its providers). */
  device?: (device: DeviceInfo) => void;
}

// ---------- Speech to text ----------

export type SttEvent =
  /** Provisional text for the utterance in progress; replaced by the next partial or final. */
  | { type: 'partial'; text: string }
  /** Settled text for a span of audio. `endOfSpeech`: the provider's endpointer saw a pause. */
  | { type: 'final'; text: string; endOfSpeech: boolean; fromFinalize: boolean }
  /**
   * The provider's own turn signal: the user stopped talking (Deepgram UtteranceEnd, Flux
   * EndOfTurn, Gradium / Kyutai inactivity past the vendor's threshold). `probability`: the
   * provider's confidence in [0, 1] when it gives one. The turn detector weighs it with the others.
   */
  | { type: 'end-of-turn'; probability?: number }
  /**
   * The provider thinks the turn is probably over but may take it back (Flux EagerEndOfTurn):
   * a reply may be prepared, not spoken. `text`: the transcript of the turn it judged.
   */
  | { type: 'eager-end-of-turn'; text: string; probability?: number }
  /** The user went on after an eager end of turn (Flux TurnResumed): drop what was prepared. */
  | { type: 'turn-resumed' }
  /**
   * The provider's running estimate that the user is done, for display and evaluation (Gradium
   * `step` inactivity, Kyutai `prs`). It does not end the turn by itself.
   */
  | { type: 'turn-probability'; probability: number }
  | { type: 'speech-started' }
  /** The connection dropped and was re-established; buffered audio was replayed. */
  | { type: 'reconnected'; attempt: number }
  /** Where the connection stands (a fault it cannot recover from is the 'error' event instead). */
  | { type: 'status'; status: SttConnectionStatus }
  /** A fault the stream could not recover from (a rejected key, the retry budget spent). The stream ends after it. */
  | { type: 'error'; error: ParleyError };

export type SttConnectionStatus =
  | { state: 'connecting' }
  | { state: 'ok' }
  /** A fault: the next attempt (number `attempt` in a row) follows in `inMs`; audio is kept meanwhile. */
  | { state: 'retrying'; attempt: number; inMs: number; reason: ParleyError };

export interface SttStreamOptions {
  /** Rate of the samples pushed (16 kHz in the engine). */
  sampleRate: number;
  language?: string;
  signal?: AbortSignal;
  /** The retry allowance the first connect and every reconnect draw on (default: one per stream). */
  retry?: RetryBudget;
}

/** A live transcription: push audio, read events with `for await`. */
export interface SttStream extends AsyncIterable<SttEvent> {
  /**
   * Mono float samples at the stream's rate. Never blocks; buffers while reconnecting. `voiced`:
   * the caller's VAD hears speech in them (a service that answers nothing to speech is stalled;
   * to silence it may rightly say nothing).
   */
  push(samples: Float32Array, voiced?: boolean): void;
  /** Ask for final results of everything pushed so far (end of the user's turn). */
  finalize(): void;
  /** Finish: flush remaining results, then the iterator ends. */
  end(): Promise<void>;
  /** Stop now and free the connection. */
  close(): void;
}

export interface SttProvider {
  readonly id: string;
  /** The service's name for people ("Deepgram"). */
  readonly displayName?: string;
  /**
   * The service judges turns with a model of its own and says so with `end-of-turn` (Deepgram
   * Flux, Gradium, Kyutai): the turn detector then waits for its call before answering words
   * that only look complete.
   */
  readonly judgesTurns?: boolean;
  /**
   * Words come only as the final that finalize() asks for (a batch transcription server: no
   * partials, and that final takes as long as the server's inference): the turn detector then
   * waits for it in a pause that has no words yet, instead of ending the pause on silence.
   */
  readonly finalsOnly?: boolean;
  open(options: SttStreamOptions): Promise<SttStream>;
}

// ---------- LLM ----------

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[] }
  | { role: 'tool'; toolCallId: string; name: string; content: string };

export type LlmEvent =
  | { type: 'text'; text: string }
  /** The text so far is complete (a text block ended): its last sentence need not wait for more. */
  | { type: 'text-end' }
  | { type: 'tool-call'; call: ToolCall }
  | { type: 'done'; finishReason: 'stop' | 'length' | 'tool-calls' | 'other' };

export interface LlmRequest {
  messages: ChatMessage[];
  tools?: ToolSpec[];
  signal?: AbortSignal;
}

export interface LlmProvider {
  readonly id: string;
  /** Streams one completion. Throws ParleyError on faults; abort via `signal`. */
  stream(request: LlmRequest): AsyncIterable<LlmEvent>;
  /**
   * Optional (local engines): evaluate the conversation so far (system prompt, history, the user's
   * words up to now) ahead of the reply, e.g. while the user is still speaking, so the reply's first
   * token comes sooner. Generates nothing; abort via `signal`.
   */
  preload?(request: LlmRequest): Promise<void>;
}

// ---------- Text to speech ----------

export interface TtsAudio {
  type: 'audio';
  /** Which pushed text segment this audio speaks (0-based, in push order). */
  segment: number;
  pcm: Int16Array;
  sampleRate: number;
}

export type TtsEvent = TtsAudio | { type: 'segment-done'; segment: number };

export interface TtsStreamOptions {
  signal?: AbortSignal;
}

/** Text in (one speakable chunk per push), PCM out with `for await`, in order. */
export interface TtsStream extends AsyncIterable<TtsEvent> {
  /** Queue a chunk of text; returns its segment number. */
  push(text: string): number;
  /** No more text: the iterator ends after the last segment's audio. */
  end(): void;
  /** Stop now (barge-in): requests cancelled, sockets closed. */
  close(): void;
}

export interface TtsProvider {
  readonly id: string;
  readonly sampleRate: number;
  open(options: TtsStreamOptions): TtsStream;
  /** Optional (local engines): load the voice now, as the session starts, so the first reply does not wait for it. */
  warmUp?(signal?: AbortSignal): Promise<void>;
}
