import type { ConversationChannel } from '../../electron/shared/conversation';
import type { ParleyApi } from '../../electron/shared/ipc';

declare global {
  interface Window {
    /** Present inside the Electron app (exposed by the preload); absent in a plain browser. */
    parley?: ParleyApi & { openConversation(): ConversationChannel };
  }
}
