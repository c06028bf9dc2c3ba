import type { z } from 'zod';
import type { ConversationState as SharedConversationState, StageSchema } from '../../shared/conversation.js';
import type { ParleyError } from '../errors.js';
import type { TurnLatencyReport } from '../metrics/latency.js';
import type { SttConnectionStatus } from '../providers/types.js';
import type { ToolCall } from '../tools/types.js';

/**
 * The events both conversation architectures (cascade/ and s2s/) emit, in the engine's own terms
 * (errors as ParleyError, not yet wire data). The state and stage names come from the shared
 * contract (electron/shared/conversation.ts), so the two cannot drift apart.
 */
export type ConversationState = SharedConversationState;
/** Where the speech-to-text connection stands: 'stopped' = it will not come back this session. */
export type SttStatus = SttConnectionStatus | { state: 'stopped'; error: ParleyError };

/** The part of a session an error comes from ('session' is the host's, never a session's own). */
export type Stage = Exclude<z.infer<typeof StageSchema>, 'session'>;

/** Everything a conversation session (cascade or speech-to-speech) tells the outside world (UI, CLI, logs), as one tagged union. */
export type EngineEvent =
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

