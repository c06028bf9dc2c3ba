import type { ParleyError } from '../errors.js';
import type { TurnLatencyReport } from '../metrics/latency.js';
import type { SttConnectionStatus, ToolCall } from '../providers/types.js';

export type ConversationState = 'listening' | 'user-speaking' | 'thinking' | 'assistant-speaking';
/** Where the speech-to-text connection stands: 'stopped' = it will not come back this session. */
export type SttStatus = SttConnectionStatus | { state: 'stopped'; error: ParleyError };

export type Stage = 'vad' | 'stt' | 'llm' | 'tts' | 'tool' | 'playback' | 's2s';

/** Everything the cascade tells the outside world (UI, CLI, logs), as one tagged union. */
export type CascadeEvent =
  | { type: 'state'; state: ConversationState }
  | { type: 'user-partial'; text: string }
  | { type: 'user-final'; turnId: number; text: string }
  /** A chunk of the reply, emitted when its audio starts playing (text in step with audio). */
  | { type: 'assistant-chunk'; turnId: number; text: string }
  | { type: 'assistant-done'; turnId: number; text: string; interrupted: boolean }
  | { type: 'tool-call'; turnId: number; call: ToolCall }
  | { type: 'tool-result'; turnId: number; callId: string; name: string; ok: boolean; content: string }
  | { type: 'barge-in'; turnId: number; phase: 'suspected' | 'confirmed' | 'released'; heardText?: string }
  | { type: 'latency'; turnId: number; report: TurnLatencyReport }
  | { type: 'error'; stage: Stage; error: ParleyError; turnId?: number }
  | { type: 'notice'; message: string }
  /** The speech-to-text connection changed (`provider`: its name for people, e.g. "Deepgram"). */
  | { type: 'stt-status'; provider: string; status: SttStatus };

/**
 * What a barge-in does to events of the interrupted turn still queued for delivery (Pipecat's
 * interruption rule, in one place): the reply's audio-aligned text is dropped (never heard), while
 * the transcript, tool activity, latency and errors survive (they happened).
 */
export const BARGE_IN_POLICY: Record<CascadeEvent['type'], 'survives' | 'dropped'> = {
  state: 'survives',
  'user-partial': 'survives',
  'user-final': 'survives',
  'assistant-chunk': 'dropped',
  'assistant-done': 'survives',
  'tool-call': 'survives',
  'tool-result': 'survives',
  'barge-in': 'survives',
  latency: 'survives',
  error: 'survives',
  notice: 'survives',
  'stt-status': 'survives',
};
