import type { ConversationMessage } from '../../shared/conversation.js';
import type { ErrorInfo } from '../../shared/errors.js';
import type { Settings } from '../../shared/settings.js';
import type { Clock } from '../clock.js';
import { toErrorInfo } from '../errors.js';
import type { SecretStore } from '../settings/secret-store.js';
import { compareArchitectures, lastUtterance, type ReleasableVad } from './compare.js';
import { STT_RATE } from './input-gate.js';
import type { LocalInference } from './session-factory.js';

export interface CompareRunnerOptions {
  settings: () => Settings;
  secrets: SecretStore;
  env: NodeJS.ProcessEnv;
  clock: Clock;
  /** A fresh VAD model, released after use. Without it, no comparison. */
  loadVad?: () => Promise<ReleasableVad>;
  /** Local inference processes and models, for local providers. */
  local?: LocalInference;
  /** The user's recent microphone audio at STT_RATE, oldest first. */
  recording: () => Float32Array;
  /** Where the progress and results go (the UI). */
  send: (message: Extract<ConversationMessage, { type: 'compare' }>) => void;
}

/** The Compare button: replays the user's last utterance through both architectures, one run at a time. */
export class CompareRunner {
  private comparing = false;

  constructor(private readonly options: CompareRunnerOptions) {}

  async run(): Promise<void> {
    if (this.comparing) return;
    const o = this.options;
    const fail = (error: ErrorInfo) => o.send({ type: 'compare', state: 'failed', error });
    if (!o.loadVad) return fail({ code: 'session/not-ready', message: 'Comparing is not available in this build.' });
    this.comparing = true;
    try {
      const vad = await o.loadVad();
      const utterance = await lastUtterance(o.recording(), vad).finally(() => vad.release?.());
      if (!utterance) return fail({ code: 'session/not-ready', message: 'Nothing to compare yet: say something first, then compare.' });
      const utteranceMs = Math.round((utterance.length / STT_RATE) * 1000);
      o.send({ type: 'compare', state: 'running', utteranceMs });
      const results = await compareArchitectures({ utterance, settings: o.settings(), secrets: o.secrets, env: o.env, clock: o.clock, loadVad: o.loadVad, ...(o.local ? { local: o.local } : {}) });
      o.send({ type: 'compare', state: 'done', utteranceMs, results });
    } catch (e) {
      fail(toErrorInfo(e));
    } finally {
      this.comparing = false;
    }
  }
}
