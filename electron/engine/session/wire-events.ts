import type { ConversationEvent } from '../../shared/conversation.js';
import type { EngineEvent } from '../events/conversation-events.js';

/** An engine event as it crosses to the UI (errors become plain ErrorInfo). */
export function toWire(e: EngineEvent): ConversationEvent {
  switch (e.type) {
    case 'error':
      return { type: 'error', stage: e.stage, error: e.error.toInfo(), ...(e.turnId !== undefined ? { turnId: e.turnId } : {}) };
    case 'barge-in':
      return { type: 'barge-in', turnId: e.turnId, phase: e.phase };
    case 'latency':
      return { type: 'latency', turnId: e.turnId, report: e.report };
    case 'stt-status': {
      const st = e.status;
      const status = st.state === 'retrying' ? { ...st, reason: st.reason.toInfo() } : st.state === 'stopped' ? { state: st.state, error: st.error.toInfo() } : st;
      return { type: 'stt-status', provider: e.provider, status };
    }
    default:
      return e;
  }
}
