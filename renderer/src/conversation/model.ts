// (Pure TypeScript with explicit .js imports: the unit tests typecheck it under Node too.)
// The conversation as the UI shows it, rebuilt from the engine's messages by one pure reducer (so a
// reconnecting window replays the same events into the same view, and tests need no browser).
import type { ConversationEvent, ConversationMessage, ConversationState, DeviceInfo, LatencyMarkName, SessionStatus, SttStatus, TurnDecision } from '../../../electron/shared/conversation.js';
import type { ErrorInfo } from '../../../electron/shared/errors.js';
import type { ProviderInfo } from '../../../electron/shared/ipc.js';
import type { Settings } from '../../../electron/shared/settings.js';

export interface ToolActivity {
  callId: string;
  name: string;
  arguments: unknown;
  ok?: boolean;
  result?: string;
}

export interface LatencyView {
  spans: Partial<Record<LatencyMarkName, number>>;
  voiceToVoiceMs?: number;
  /** Speech-to-speech: the model spoke over the user this long. */
  overlapMs?: number;
  /** Cascade: how the end of the user's turn was decided. */
  decision?: TurnDecision;
}

export interface TurnView {
  id: number;
  user: string;
  assistant: string;
  /** The reply is still being spoken (its text grows in step with the audio). */
  speaking: boolean;
  interrupted: boolean;
  tools: ToolActivity[];
  latency?: LatencyView;
  errors: { stage: string; error: ErrorInfo }[];
}

export interface Problem {
  id: number;
  stage: string;
  error: ErrorInfo;
}

export interface ConversationView {
  status: SessionStatus;
  state: ConversationState;
  /** The user's words in progress (provisional until the turn ends). */
  partial: string;
  turns: TurnView[];
  /** Faults outside a turn (a provider refused the key, the STT dropped...): one per stage and kind, newest last. */
  problems: Problem[];
  /** The session failed after it had been running (it stopped), rather than failing to start. */
  failedAfterRunning: boolean;
  /** `kind` marks a notice that is updated in place rather than repeated. */
  notices: { id: number; text: string; kind?: 'audio-dropped' }[];
  /** A barge-in is suspected: the reply is paused while the engine makes sure. */
  bargeInSuspected: boolean;
  /** The speech-to-text connection of the (last) session, as the engine reported it. */
  stt?: { provider: string; status: SttStatus };
  /** Where each stage's local model runs, as last reported (a model stays loaded across sessions). */
  devices: DeviceInfo[];
  nextId: number;
}

export const emptyConversation: ConversationView = {
  status: { state: 'idle' },
  state: 'listening',
  partial: '',
  turns: [],
  problems: [],
  failedAfterRunning: false,
  notices: [],
  bargeInSuspected: false,
  devices: [],
  nextId: 1,
};

export function reduceConversation(view: ConversationView, message: ConversationMessage): ConversationView {
  if (message.type === 'session') return reduceStatus(view, message.status);
  if (message.type === 'event') {
    // A problem from before this page was there is not news (the transcript is: it is replayed).
    if (message.replayed && message.event.type === 'error' && message.event.turnId === undefined) return view;
    return clearSolved(reduceEvent(view, message.event), message.event);
  }
  if (message.type === 'audio-dropped') {
    const text = `Microphone audio arrived faster than real time, so ${(message.droppedMs / 1000).toFixed(1)} s of it was left out (${message.frames} frames).`;
    const others = view.notices.filter((n) => n.kind !== 'audio-dropped');
    return { ...view, notices: [...others.slice(-2), { id: view.nextId, text, kind: 'audio-dropped' }], nextId: view.nextId + 1 };
  }
  return view;
}

function reduceStatus(view: ConversationView, status: SessionStatus): ConversationView {
  const before = view.status;
  const next: ConversationView = { ...view, status, ...(status.state === 'running' ? {} : { state: 'listening' as const, partial: '', bargeInSuspected: false }) };
  // A new session has a new connection; a stopped one keeps the reason it stopped.
  if (status.state === 'starting') delete next.stt;
  // A new session, or another listening mode or architecture: the banners of the one before are stale.
  const changed = status.state === 'starting' || (status.state === 'running' && before.state === 'running' && (status.mode !== before.mode || status.architecture !== before.architecture));
  if (changed) return { ...next, problems: [], failedAfterRunning: false };
  if (status.state === 'failed') {
    // The fault that ended the session is shown once, as the failure.
    const failure = status.error;
    const same = (p: Problem) => p.error.code === failure.code && (p.error.message === failure.message || (failure.provider !== undefined && p.error.provider === failure.provider));
    return { ...next, problems: view.problems.filter((p) => !same(p)), failedAfterRunning: before.state === 'running' };
  }
  return next;
}

/** Events that show a stage works again clear that stage's problems. */
const SOLVES: Partial<Record<ConversationEvent['type'], readonly string[]>> = {
  'user-partial': ['stt'],
  'user-final': ['stt'],
  // Reply text comes in step with its audio: the LLM, the TTS (or the speech-to-speech model) and playback work.
  'assistant-chunk': ['llm', 'tts', 's2s', 'playback'],
};

function clearSolved(view: ConversationView, e: ConversationEvent): ConversationView {
  const stages = SOLVES[e.type];
  if (!stages || !view.problems.some((p) => stages.includes(p.stage))) return view;
  return { ...view, problems: view.problems.filter((p) => !stages.includes(p.stage)) };
}

function reduceEvent(view: ConversationView, e: ConversationEvent): ConversationView {
  switch (e.type) {
    case 'state':
      return { ...view, state: e.state, ...(e.state !== 'assistant-speaking' ? { bargeInSuspected: false } : {}) };
    case 'user-partial':
      return { ...view, partial: e.text };
    case 'user-final': {
      const exists = view.turns.some((t) => t.id === e.turnId);
      const turns = exists ? mapTurn(view.turns, e.turnId, (t) => ({ ...t, user: e.text })) : [...view.turns, newTurn(e.turnId, e.text)];
      return { ...view, turns, partial: '' };
    }
    case 'assistant-chunk':
      return { ...view, turns: mapTurn(view.turns, e.turnId, (t) => ({ ...t, speaking: true, assistant: joinChunk(t.assistant, e.text) })) };
    case 'assistant-done':
      return { ...view, turns: mapTurn(view.turns, e.turnId, (t) => ({ ...t, speaking: false, assistant: e.text, interrupted: e.interrupted })) };
    case 'tool-call':
      return { ...view, turns: mapTurn(view.turns, e.turnId, (t) => ({ ...t, tools: [...t.tools, { callId: e.call.id, name: e.call.name, arguments: e.call.arguments }] })) };
    case 'tool-result':
      return {
        ...view,
        turns: mapTurn(view.turns, e.turnId, (t) => ({ ...t, tools: t.tools.map((x) => (x.callId === e.callId ? { ...x, ok: e.ok, result: e.content } : x)) })),
      };
    case 'barge-in':
      if (e.phase === 'suspected') return { ...view, bargeInSuspected: true };
      if (e.phase === 'released') return { ...view, bargeInSuspected: false };
      return { ...view, bargeInSuspected: false, turns: mapTurn(view.turns, e.turnId, (t) => ({ ...t, interrupted: true })) };
    case 'latency':
      return {
        ...view,
        turns: mapTurn(view.turns, e.turnId, (t) => ({
          ...t,
          latency: {
            spans: e.report.spans,
            ...(e.report.voiceToVoiceMs !== undefined ? { voiceToVoiceMs: e.report.voiceToVoiceMs } : {}),
            ...(e.report.overlapMs ? { overlapMs: e.report.overlapMs } : {}),
            ...(e.report.decision ? { decision: e.report.decision } : {}),
          },
        })),
      };
    case 'error': {
      if (e.turnId !== undefined && view.turns.some((t) => t.id === e.turnId)) {
        return { ...view, turns: mapTurn(view.turns, e.turnId, (t) => ({ ...t, errors: [...t.errors, { stage: e.stage, error: e.error }] })) };
      }
      // The same fault again (a retry loop, a new countdown) updates its banner: one banner per problem.
      const same = view.problems.find((p) => p.stage === e.stage && p.error.code === e.error.code);
      if (same) return { ...view, problems: view.problems.map((p) => (p === same ? { ...p, error: e.error } : p)) };
      return { ...view, problems: [...view.problems.slice(-4), { id: view.nextId, stage: e.stage, error: e.error }], nextId: view.nextId + 1 };
    }
    case 'notice':
      return { ...view, notices: [...view.notices.slice(-2), { id: view.nextId, text: e.message }], nextId: view.nextId + 1 };
    case 'stt-status':
      return { ...view, stt: { provider: e.provider, status: e.status } };
    case 'device':
      return { ...view, devices: [...view.devices.filter((d) => d.stage !== e.device.stage), e.device] };
  }
}

const STATE_LABEL: Record<ConversationState, string> = {
  listening: 'Listening',
  'user-speaking': "You're speaking",
  thinking: 'Thinking…',
  'assistant-speaking': 'Parley is speaking',
};

/** What each stage does, in the words the screen uses (never its code). */
const STAGE_NAMES: Record<string, string> = {
  stt: 'Speech recognition',
  llm: 'Language model',
  tts: 'Voice',
  s2s: 'Speech-to-speech',
  vad: 'Voice detection',
  tool: 'Tool',
  playback: 'Playback',
  session: 'Conversation',
};

export function stageName(stage: string): string {
  return STAGE_NAMES[stage] ?? stage;
}

/** Why speech-to-text stopped, in a few words ("Deepgram rejected the key"). */
function sttStopReason(provider: string, error: ErrorInfo): string {
  switch (error.code) {
    case 'provider/invalid-key':
      return `${provider} rejected the key`;
    case 'provider/missing-key':
      return `no key for ${provider}`;
    case 'provider/bad-request':
      return `${provider} rejected the request`;
    default:
      return `can't reach ${provider}`;
  }
}

/** The same, naming what the service does for Parley ("Deepgram (speech recognition) rejected the key"), and what to do. */
function sttStopped(provider: string, error: ErrorInfo): { text: string; advice: string } {
  const service = `${provider} (speech recognition)`;
  switch (error.code) {
    case 'provider/invalid-key':
      return { text: `${service} rejected the key`, advice: `Check the ${provider} key in Settings.` };
    case 'provider/missing-key':
      return { text: `no key for ${service}`, advice: `Add a ${provider} key in Settings.` };
    case 'provider/bad-request':
      return { text: `${service} rejected the request`, advice: `Check the ${provider} settings (model, language).` };
    default:
      return { text: `can't reach ${service}`, advice: `${provider} is not answering; check its address in Settings, or try again.` };
  }
}

/** Parley hears the user: running, and speech-to-text (if any) connected. */
export function isListening(view: ConversationView): boolean {
  return view.status.state === 'running' && (!view.stt || view.stt.status.state === 'ok');
}

export interface LiveStatus {
  text: string;
  tone: 'ok' | 'warn' | 'error' | 'idle';
  /** Whose voice the presence visual follows. */
  speaker: 'user' | 'assistant' | 'none';
  /** What to do about it, when something is wrong. */
  advice?: string;
}

/**
 * The live state in words, true to what the engine can do right now: not "Listening" while the
 * speech-to-text is unreachable or stopped, nor while muted. `preparing`: the engine is still
 * loading what a conversation needs; `engineGone`: its process ended.
 */
export function liveStatusLabel(view: ConversationView, starting: boolean, local: { muted?: boolean; preparing?: boolean; engineGone?: boolean } = {}): LiveStatus {
  if (local.engineGone) return { text: 'Not connected to the engine', tone: 'error', speaker: 'none' };
  const stt = view.stt;
  if (stt?.status.state === 'stopped' && (view.status.state === 'running' || view.status.state === 'failed')) {
    const stopped = sttStopped(stt.provider, stt.status.error);
    return { text: `Stopped: ${stopped.text}`, tone: 'error', speaker: 'none', advice: stopped.advice };
  }
  if (view.status.state !== 'running') {
    if (starting || view.status.state === 'starting') return { text: 'Starting…', tone: 'idle', speaker: 'none' };
    if (view.status.state === 'failed') return { text: view.failedAfterRunning ? 'Stopped by a problem' : 'Could not start', tone: 'error', speaker: 'none' };
    return { text: local.preparing ? 'Getting ready…' : 'Not started', tone: 'idle', speaker: 'none' };
  }
  if (stt?.status.state === 'retrying') {
    const s = Math.max(1, Math.round(stt.status.inMs / 1000));
    return { text: `Can't reach ${stt.provider} (speech recognition). Retrying in ${s} s…`, tone: 'warn', speaker: 'none', advice: 'What you say meanwhile is kept and sent once it answers.' };
  }
  if (stt?.status.state === 'connecting') return { text: `Connecting to ${stt.provider} (speech recognition)…`, tone: 'warn', speaker: 'none' };
  if (view.bargeInSuspected) return { text: 'Paused: are you interrupting?', tone: 'ok', speaker: 'user' };
  if (local.muted && view.state !== 'assistant-speaking' && view.state !== 'thinking') return { text: 'Muted', tone: 'idle', speaker: 'none' };
  const speaker = view.state === 'user-speaking' ? 'user' : view.state === 'assistant-speaking' ? 'assistant' : 'none';
  return { text: STATE_LABEL[view.state], tone: 'ok', speaker };
}

/** A level meter's reading: RMS (0-1) to 0-100 over -60..0 dBFS. */
export function levelPercent(rms: number): number {
  const db = rms > 0 ? 20 * Math.log10(rms) : -60;
  return Math.round(Math.max(0, Math.min(1, (db + 60) / 60)) * 100);
}

/** The providers running, by the names people know and their models ("Cascade: Deepgram nova-3 → OpenAI gpt-4o-mini → …"). */
export function providersLine(status: Extract<SessionStatus, { state: 'running' }>, providers: ProviderInfo[], settings: Settings | undefined): string {
  return `${status.architecture === 's2s' ? 'Speech-to-speech' : 'Cascade'}: ${providerChain(status.architecture, status.providers, providers, settings)}`;
}

/** The providers of an architecture by display name and model ("Deepgram nova-3 → OpenAI-compatible gpt-4o-mini → ..."). */
export function providerChain(architecture: Settings['architecture'], ids: Record<string, string>, providers: ProviderInfo[], settings: Settings | undefined): string {
  const name = (kind: string, id: string) => {
    const info = providers.find((p) => p.kind === kind && p.id === id);
    if (!info) return id;
    const chosen = (settings?.providers as Record<string, Record<string, Record<string, unknown>> | undefined> | undefined)?.[kind]?.[id]?.model;
    const schema = info.settingsSchema as { properties?: { model?: { default?: unknown } } };
    const model = typeof chosen === 'string' && chosen ? chosen : schema.properties?.model?.default;
    // The name without its parenthetical ("Moshi (Kyutai, runs locally)" -> "Moshi"): the line stays short.
    const short = info.displayName.replace(/\s*\(.*\)\s*$/, '') || info.displayName;
    return typeof model === 'string' && model ? `${short} ${model}` : short;
  };
  if (architecture === 's2s') return name('s2s', ids.s2s ?? '');
  return (['stt', 'llm', 'tts'] as const).map((k) => name(k, ids[k] ?? '')).join(' → ');
}

/**
 * An error message for the screen: no backticks, no environment-variable names (the key goes in
 * Settings). The message as the engine wrote it, and its code, stay for a "Details" disclosure.
 */
export function plainError(error: { code?: string; message: string; provider?: string }): { text: string; details?: string } {
  const text = error.message
    .replace(/`/g, '')
    .replace(/set [A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+ or add (?:the key|it) in settings/g, 'add the key in Settings')
    .replace(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g, 'an environment variable');
  const details = text === error.message ? error.code : `${error.code ? `${error.code}: ` : ''}${error.message}`;
  return details ? { text, details } : { text };
}

/** What the empty transcript says: an invitation only when Parley can actually hear. */
export function transcriptHint(view: ConversationView): string {
  if (isListening(view)) return 'Say something: Parley is listening.';
  const stt = view.stt;
  if (view.status.state === 'running' && stt?.status.state === 'stopped') return `Parley cannot hear you: ${sttStopReason(stt.provider, stt.status.error)}.`;
  if (view.status.state === 'running' && stt) return 'Parley cannot hear you yet.';
  return 'Press “Start conversation” and talk.';
}

/**
 * Cascade chunks are whole sentences (joined with a space); speech-to-speech pieces come with
 * their own leading spaces, and punctuation attaches to the word before.
 */
export function joinChunk(before: string, chunk: string): string {
  if (!before) return chunk.trimStart();
  return /^[\s.,!?;:]/.test(chunk) ? before + chunk : `${before} ${chunk}`;
}

function newTurn(id: number, user: string): TurnView {
  return { id, user, assistant: '', speaking: false, interrupted: false, tools: [], errors: [] };
}

function mapTurn(turns: TurnView[], id: number, change: (t: TurnView) => TurnView): TurnView[] {
  return turns.map((t) => (t.id === id ? change(t) : t));
}

/** No banners: problems gone, and a failed start back to idle (another mode or architecture, or the engine gone). */
export function clearBanners(view: ConversationView): ConversationView {
  return { ...view, problems: [], failedAfterRunning: false, ...(view.status.state === 'failed' ? { status: { state: 'idle' as const } } : {}) };
}

export function dismissProblem(view: ConversationView, id: number): ConversationView {
  return { ...view, problems: view.problems.filter((p) => p.id !== id) };
}

/** Voice-to-voice over the session: each turn's value, the median and the 90th percentile (nearest rank). */
export function voiceToVoiceStats(turns: TurnView[]): { values: { turnId: number; ms: number }[]; median?: number; p90?: number } {
  const values = turns.flatMap((t) => (t.latency?.voiceToVoiceMs !== undefined ? [{ turnId: t.id, ms: t.latency.voiceToVoiceMs }] : []));
  if (values.length === 0) return { values };
  const sorted = values.map((v) => v.ms).sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { values, median: rank(0.5), p90: rank(0.9) };
}

/** What the user can do about an error, where it happened. */
export function errorAction(error: ErrorInfo): 'open-settings' | 'retry' | undefined {
  switch (error.code) {
    case 'provider/missing-key':
    case 'provider/key-wrong-host':
    case 'provider/invalid-key':
    case 'settings/invalid':
    case 'provider/unknown':
    case 'provider/bad-request':
      return 'open-settings';
    case 'provider/unreachable':
    case 'provider/timeout':
    case 'provider/disconnected':
    case 'provider/server-error':
    case 'provider/rate-limited':
    case 'session/not-ready':
      return 'retry';
    default:
      return undefined;
  }
}
