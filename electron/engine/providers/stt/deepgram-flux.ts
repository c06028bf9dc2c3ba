import type WebSocket from 'ws';
import { z } from 'zod';
import { ParleyError } from '../../errors.js';
import { RetryBudget } from '../retry-budget.js';
import type { ProviderContext, SttProvider, SttStream, SttStreamOptions } from '../types.js';
import { DeepgramSocketStream, type DeepgramConnection } from './deepgram.js';
import type { SttVendor, VendorMessage } from './reconnecting-stream.js';

/** Flux's ranges for its turn thresholds (Deepgram's Flux docs, "End-of-Turn Detection Parameters"). */
const EotThreshold = z.number().min(0.5).max(1);
const EagerEotThreshold = z.number().min(0.3).max(0.9);
const EotTimeoutMs = z.number().int().min(500).max(60_000);

export const DeepgramFluxSettingsSchema = z.object({
  baseUrl: z.string().url().default('wss://api.deepgram.com'),
  /** flux-general-en (English), or flux-general-multi (ten languages; the stream's language goes as a language_hint). */
  model: z.enum(['flux-general-en', 'flux-general-multi']).default('flux-general-en'),
  /** eot_threshold: end_of_turn_confidence (0-1) at which Flux ends the turn (EndOfTurn): 0.5-1.0, Deepgram's default 0.7; 1.0 leaves it to endOfTurnTimeoutMs. */
  endOfTurnThreshold: EotThreshold.default(0.7),
  /** eager_eot_threshold: end_of_turn_confidence (0-1) for EagerEndOfTurn and TurnResumed: 0.3-0.9; unset (Deepgram's default) = no eager events. */
  eagerEndOfTurnThreshold: EagerEotThreshold.optional(),
  /** eot_timeout_ms: silence after speech (ms) that ends a turn whatever the confidence: 500-60000, Deepgram's default 5000. */
  endOfTurnTimeoutMs: EotTimeoutMs.default(5000),
  /**
   * Stalled connection: this much speech (as the VAD hears it) sent with no message back, or a ping
   * unanswered this long (ms). Flux answers all audio with an Update about every 0.25 s.
   */
  stallTimeoutMs: z.number().int().positive().default(10_000),
  /** Retries in a row on connection faults before giving up (one is earned back per 10 s connected). */
  maxReconnects: z.number().int().min(0).max(10).default(5),
});
export type DeepgramFluxSettings = z.infer<typeof DeepgramFluxSettingsSchema>;

/** The turn-detection thresholds Flux takes at connect time and, with Configure, mid-stream. */
export type FluxThresholds = Pick<DeepgramFluxSettings, 'endOfTurnThreshold' | 'eagerEndOfTurnThreshold' | 'endOfTurnTimeoutMs'>;
const ThresholdChangesSchema = z.object({ endOfTurnThreshold: EotThreshold, eagerEndOfTurnThreshold: EagerEotThreshold, endOfTurnTimeoutMs: EotTimeoutMs }).partial();

/** A Flux stream: an SttStream whose turn thresholds can change mid-stream. */
export interface FluxSttStream extends SttStream {
  /** New thresholds now (a Configure message) and for every reconnect after. */
  configure(changes: Partial<FluxThresholds>): void;
}

const NAME = 'Deepgram Flux';
/** Raw-audio rates /v2/listen accepts. */
const SAMPLE_RATES = new Set([8000, 16000, 24000, 44100, 48000]);
/** Between turns, audio older than this before an Update's window end is settled silence (s). */
const IDLE_MARGIN_S = 1;

/** Flux's server messages (AsyncAPI listen.v2 and deepgram-js-sdk): other types are ignored. */
const KNOWN_TYPES = new Set(['Connected', 'TurnInfo', 'Error', 'ConfigureSuccess', 'ConfigureFailure', 'Warning']);
const TurnInfoSchema = z.object({
  event: z.string(),
  transcript: z.string(),
  end_of_turn_confidence: z.number(),
  audio_window_end: z.number(),
});
const ErrorSchema = z.object({ code: z.string().optional(), description: z.string().optional() });

/**
 * Deepgram Flux (/v2/listen): transcription with the model's own turn detection. The transcript
 * comes per turn (Update: the turn so far), and the turn signals map onto SttEvents:
 * StartOfTurn -> speech-started; Update -> partial (+ turn-probability); EagerEndOfTurn ->
 * eager-end-of-turn; TurnResumed -> turn-resumed; EndOfTurn -> final (endOfSpeech) then end-of-turn.
 */
export class DeepgramFluxStt implements SttProvider {
  readonly id = 'deepgram-flux';
  readonly displayName = NAME;
  /** Flux ends turns with its own model (EndOfTurn); its finals come only then. */
  readonly judgesTurns = true;
  /** Unknown message types (and TurnInfo events) already logged, once each for the provider's lifetime. */
  readonly loggedTypes = new Set<string>();

  constructor(
    readonly settings: DeepgramFluxSettings,
    readonly apiKey: string | undefined,
    readonly context: ProviderContext,
  ) {}

  url(sampleRate: number, thresholds: FluxThresholds, language?: string): string {
    const s = this.settings;
    const q = new URLSearchParams({
      model: s.model,
      encoding: 'linear16',
      sample_rate: String(sampleRate),
      eot_threshold: String(thresholds.endOfTurnThreshold),
      eot_timeout_ms: String(thresholds.endOfTurnTimeoutMs),
    });
    if (thresholds.eagerEndOfTurnThreshold !== undefined) q.set('eager_eot_threshold', String(thresholds.eagerEndOfTurnThreshold));
    // Only the multilingual model takes hints; a base code ("en-US" -> "en").
    if (s.model === 'flux-general-multi' && language) q.set('language_hint', language.split(/[-_]/)[0]!.toLowerCase());
    return `${s.baseUrl.replace(/\/+$/, '')}/v2/listen?${q}`;
  }

  /** Comes back at once and connects in the background, like the v1 client (status events, one error if it gives up). */
  async open(options: SttStreamOptions): Promise<FluxSttStream> {
    if (!this.apiKey) throw new ParleyError('provider/missing-key', `no API key for ${NAME}: set DEEPGRAM_API_KEY or add it in settings`, { provider: this.id });
    if (!SAMPLE_RATES.has(options.sampleRate)) {
      throw new ParleyError('provider/bad-request', `${NAME} takes audio at 8, 16, 24, 44.1 or 48 kHz, not ${options.sampleRate} Hz`, { provider: this.id });
    }
    const budget = options.retry ?? new RetryBudget(this.context.clock, { retries: this.settings.maxReconnects });
    const { endOfTurnThreshold, eagerEndOfTurnThreshold, endOfTurnTimeoutMs } = this.settings;
    const thresholds: FluxThresholds = { endOfTurnThreshold, eagerEndOfTurnThreshold, endOfTurnTimeoutMs };
    const connection: DeepgramConnection = { url: () => this.url(options.sampleRate, thresholds, options.language), apiKey: this.apiKey, stallTimeoutMs: this.settings.stallTimeoutMs };
    const stream = new FluxStream(this, options, budget, connection, thresholds);
    stream.start();
    return stream;
  }
}

class FluxStream extends DeepgramSocketStream implements FluxSttStream {
  protected readonly knownTypes = KNOWN_TYPES;
  /** Between StartOfTurn and EndOfTurn on this connection. */
  private inTurn = false;
  /** The turn's transcript so far, and the last one shown as a partial. */
  private turnText = '';
  private shownText = '';
  /** An EagerEndOfTurn not yet followed by TurnResumed or EndOfTurn. */
  private eagerPending = false;
  /** Threshold changes made while not connected (wire names), sent on the next connection. */
  private pendingConfigure: Record<string, number> | undefined;

  constructor(
    vendor: SttVendor,
    options: SttStreamOptions,
    budget: RetryBudget,
    connection: DeepgramConnection,
    /** The connection's URL reads these: a reconnect keeps what configure() set. */
    private readonly thresholds: FluxThresholds,
  ) {
    super(vendor, options, budget, connection);
  }

  /**
   * Flux has no Finalize (v1's message is refused on v2 and closes the connection). The engine
   * calls this at every pause the VAD hears; ForceEndTurn would end the turn there and throw away
   * the semantic turn detection Flux is chosen for. The words need no flush either: each Update
   * carries the turn's transcript so far, and EndOfTurn settles it. So: nothing.
   */
  protected sendFinalize(): void {}

  configure(changes: Partial<FluxThresholds>): void {
    const parsed = ThresholdChangesSchema.parse(changes);
    Object.assign(this.thresholds, parsed);
    const wire = this.pendingConfigure ?? {};
    if (parsed.endOfTurnThreshold !== undefined) wire.eot_threshold = parsed.endOfTurnThreshold;
    if (parsed.eagerEndOfTurnThreshold !== undefined) wire.eager_eot_threshold = parsed.eagerEndOfTurnThreshold;
    if (parsed.endOfTurnTimeoutMs !== undefined) wire.eot_timeout_ms = parsed.endOfTurnTimeoutMs;
    // Not connected: a connection being made may have taken the old URL; sent once it is up,
    // ahead of the replayed audio it applies to.
    if (!this.isOpen()) this.pendingConfigure = wire;
    else this.sendJson({ type: 'Configure', thresholds: wire });
  }

  protected override beforeReplay(): void {
    if (this.pendingConfigure) this.sendJson({ type: 'Configure', thresholds: this.pendingConfigure });
    this.pendingConfigure = undefined;
  }

  protected override onConnectionLost(): void {
    // The replayed audio starts the turn afresh on the next connection; a reply prepared on an
    // eager end of turn cannot be vouched for any more.
    if (this.eagerPending) this.events.push({ type: 'turn-resumed' });
    this.resetTurn();
  }

  protected override onEnded(): void {
    // CloseStream does not end the turn (no EndOfTurn): its last Update is the final transcript.
    if (this.inTurn && this.turnText) this.events.push({ type: 'final', text: this.turnText, endOfSpeech: true, fromFinalize: false });
    this.resetTurn();
  }

  protected onMessage(_ws: WebSocket, message: VendorMessage): void {
    switch (message.type) {
      case 'TurnInfo':
        return this.onTurnInfo(TurnInfoSchema.parse(message));
      case 'Error': {
        // Fatal: the server closes next; this says why.
        const e = ErrorSchema.parse(message);
        return this.serverError(`${e.description ?? 'unknown'}${e.code ? ` (${e.code})` : ''}`);
      }
      case 'ConfigureFailure':
        return this.log('Configure was rejected; the thresholds stay as they were');
      case 'Warning': {
        const code = typeof message.code === 'string' ? message.code : 'unknown';
        return this.logOnce(`Warning ${code}`, `warning ${code.slice(0, 60)}`);
      }
      default:
        // Connected, ConfigureSuccess: nothing to do.
        return;
    }
  }

  private onTurnInfo(info: z.infer<typeof TurnInfoSchema>): void {
    const text = info.transcript.trim();
    const probability = info.end_of_turn_confidence;
    switch (info.event) {
      case 'StartOfTurn':
        this.inTurn = true;
        this.eagerPending = false;
        this.events.push({ type: 'speech-started' });
        return this.showPartial(text);
      case 'Update':
        if (!this.inTurn) {
          // Between turns nothing was said: older audio need not be replayed after a drop.
          return this.confirmSeconds(info.audio_window_end - IDLE_MARGIN_S);
        }
        this.showPartial(text);
        return this.events.push({ type: 'turn-probability', probability });
      case 'EagerEndOfTurn':
        this.eagerPending = true;
        this.turnText = text;
        return this.events.push({ type: 'eager-end-of-turn', text, probability });
      case 'TurnResumed':
        this.eagerPending = false;
        return this.events.push({ type: 'turn-resumed' });
      case 'EndOfTurn':
        this.confirmSeconds(info.audio_window_end);
        this.resetTurn();
        this.events.push({ type: 'final', text, endOfSpeech: true, fromFinalize: false });
        return this.events.push({ type: 'end-of-turn', probability });
      default:
        return this.logOnce(`TurnInfo ${info.event}`, `ignoring TurnInfo events '${info.event.slice(0, 40)}'`);
    }
  }

  private showPartial(text: string): void {
    this.turnText = text;
    if (!text || text === this.shownText) return;
    this.shownText = text;
    this.events.push({ type: 'partial', text });
  }

  private resetTurn(): void {
    this.inTurn = false;
    this.eagerPending = false;
    this.turnText = '';
    this.shownText = '';
  }
}
