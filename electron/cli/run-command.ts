import { z } from 'zod';
import { ClockedSink } from '../engine/audio/playout.js';
import { feedInRealTime } from '../engine/audio/real-time-feed.js';
import { writeWavFile } from '../engine/audio/wav.js';
import { monoBlocks, openWavStream } from '../engine/audio/wav-stream.js';
import type { EngineEvent } from '../engine/events/conversation-events.js';
import type { CascadeSession } from '../engine/cascade/session.js';
import { SkippingClock, sleepOn, systemClock, type Clock } from '../engine/clock.js';
import { ParleyError, describeError } from '../engine/errors.js';
import { LATENCY_MARKS, type TurnLatencyReport } from '../engine/metrics/latency.js';
import { createProvider, findProvider, keyVariableOf, providerIds, resolveProvider, type ProviderKind } from '../engine/providers/registry.js';
import { createLiveSession, type BuiltSession } from '../engine/session/session-factory.js';
import { JsonlTranscriptLog } from '../engine/session/transcript-log.js';
import { installedTurnModel } from '../engine/session/turn-model.js';
import { MemorySecretStore } from '../engine/settings/secret-store.js';
import { SETTINGS_VERSION, SettingsSchema, type Settings } from '../shared/settings.js';
import { builtinTools } from '../engine/tools/builtins.js';
import { S2sSession } from '../engine/s2s/session.js';
import { SileroVadModel } from '../engine/vad/silero.js';
import { modelsDir } from '../engine/models/paths.js';
import { ModelStore } from '../engine/models/store.js';
import { defaultResourcesDir } from '../engine/resources.js';
import { EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK, type CliIo } from './io.js';
import { LOCAL_ENGINES, checkOfflineCascade, checkOfflineProvider, isGgufPath } from './offline-run.js';
import { checkOptions, parseCommandArgs } from './options.js';
import { runUsage } from './usage.js';

const OptionsSchema = z.object({
  in: z.string().min(1),
  out: z.string().min(1).optional(),
  stt: z.string().optional(),
  llm: z.string().optional(),
  'llm-model': z.string().min(1).optional(),
  'llm-max-tokens': z.coerce.number().int().positive().optional(),
  tts: z.string().optional(),
  offline: z.boolean().default(false),
  'fallback-llm': z.string().optional(),
  'fallback-tts': z.string().optional(),
  system: z.string().default('You are Parley, a friendly voice assistant. Answer briefly, in plain spoken sentences.'),
  'no-tools': z.boolean().default(false),
  speed: z.coerce.number().min(0).max(100).default(1),
  log: z.string().min(1).optional(),
  json: z.boolean().default(false),
  mode: z.enum(['cascade', 's2s']).default('cascade'),
  s2s: z.string().default('moshi'),
});
type RunOptions = z.infer<typeof OptionsSchema>;

const EXPECTS: Record<string, string> = {
  in: 'the path of a WAV file',
  out: 'the path of the WAV file to write',
  'llm-model': 'a model name, e.g. llama3.2',
  'llm-max-tokens': 'a whole number of tokens, e.g. 200',
  speed: 'a number from 0 to 100 (1 = real time, 0 = skip the stretches where Parley only listens)',
  log: 'the path of a .jsonl file',
  mode: 'cascade or s2s',
};

interface TurnReport {
  user: string;
  assistant: string;
  interrupted: boolean;
  spans: Record<string, number>;
  voiceToVoiceMs?: number;
  overlapMs?: number;
  /** Where the user's speech ended in the input file (s). */
  speechEndS?: number;
  /** How the end of the turn was decided (cascade). */
  endOfTurn?: { by: string; turnClass: string; delayMs: number; preempted: boolean };
  errors: { stage: string; code: string; message: string }[];
}

/** 20 ms blocks at 16 kHz, as a microphone delivers. */
const BLOCK = 320;
const TAIL_SILENCE_S = 1.5;

/** The blocks, then `seconds` of silence in blocks of the same size (the pause after a question). */
async function* withTailSilence(blocks: AsyncIterable<Float32Array>, seconds: number): AsyncGenerator<Float32Array> {
  yield* blocks;
  const silence = new Float32Array(BLOCK);
  for (let left = Math.round(16000 * seconds); left > 0; left -= BLOCK) yield left >= BLOCK ? silence : silence.subarray(0, left);
}

/**
 * A provider's settings from the environment, as `resolveProvider` reads them; a missing key is
 * said the CLI's way (there are no settings to add it to here, only the environment variable).
 */
function resolveFromEnvironment<K extends ProviderKind>(kind: K, id: string, saved: Record<string, unknown> = {}) {
  try {
    return resolveProvider(kind, id, saved);
  } catch (e) {
    if (e instanceof ParleyError && e.code === 'provider/missing-key') {
      const d = findProvider(kind, id);
      throw new ParleyError('provider/missing-key', `no API key for ${d.displayName}: set ${keyVariableOf(d)} in the environment (e.g. export ${keyVariableOf(d)}=...)`, { provider: id, cause: e });
    }
    throw e;
  }
}

export async function runCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs('run', {
    args,
    strict: true,
    options: {
      in: { type: 'string' },
      out: { type: 'string' },
      stt: { type: 'string' },
      llm: { type: 'string' },
      'llm-model': { type: 'string' },
      'llm-max-tokens': { type: 'string' },
      tts: { type: 'string' },
      'fallback-llm': { type: 'string' },
      'fallback-tts': { type: 'string' },
      system: { type: 'string' },
      'no-tools': { type: 'boolean' },
      speed: { type: 'string' },
      log: { type: 'string' },
      json: { type: 'boolean' },
      offline: { type: 'boolean' },
      mode: { type: 'string' },
      s2s: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(runUsage(providerIds));
    return EXIT_OK;
  }
  if (!values.in) throw new ParleyError('cli/usage', 'run needs the user audio: parley run --in question.wav');
  const o = checkOptions(OptionsSchema, values, EXPECTS);
  if (o.mode === 's2s') return runSpeechToSpeech(o, io);

  // Configuration first: an unknown provider, a missing key or a bad endpoint is reported before any work.
  for (const [kind, id] of [['stt', o.stt], ['llm', o.llm], ['tts', o.tts], ['llm', o['fallback-llm']], ['tts', o['fallback-tts']]] as const) if (id) findProvider(kind, id);
  // Offline: cloud providers refused, local models checked, before any audio or connection.
  const picks = o.offline
    ? await checkOfflineCascade({ stt: o.stt, llm: o.llm, tts: o.tts, fallbackLlm: o['fallback-llm'], fallbackTts: o['fallback-tts'], llmModel: o['llm-model'] }, new ModelStore({ dir: modelsDir(), resourcesDir: defaultResourcesDir() }))
    : {};
  const stt = resolveFromEnvironment('stt', o.stt ?? picks.stt?.provider ?? 'deepgram');
  const llmId = o.llm ?? picks.llm?.provider ?? 'openai';
  const llmModel = o['llm-model'] ?? picks.llm?.model;
  // llama.cpp runs an installed model by id, or a GGUF file by path.
  const llmSaved = {
    ...(llmModel === undefined ? {} : llmId === LOCAL_ENGINES.llm && isGgufPath(llmModel) ? { modelPath: llmModel } : { model: llmModel }),
    ...(o['llm-max-tokens'] ? { maxTokens: o['llm-max-tokens'] } : {}),
  };
  const llm = resolveFromEnvironment('llm', llmId, llmSaved);
  const tts = resolveFromEnvironment('tts', o.tts ?? picks.tts?.provider ?? 'openai');
  if (o['fallback-llm']) resolveFromEnvironment('llm', o['fallback-llm']);
  if (o['fallback-tts']) resolveFromEnvironment('tts', o['fallback-tts']);
  const wav = await openWavStream(o.in);
  const input = withTailSilence(monoBlocks(wav.chunks(), wav.sampleRate, 16000, BLOCK), TAIL_SILENCE_S);

  // --speed 0 skips ahead where Parley only listens; the rest runs in real time, on the same clock.
  const skipping = o.speed === 0 ? new SkippingClock() : undefined;
  const clock: Clock = skipping ?? systemClock;
  const vad = await SileroVadModel.load();
  const log = o.log ? new JsonlTranscriptLog(o.log, (e) => io.stderr(`parley: ${e.message}\n`)) : undefined;
  const store = new ModelStore({ dir: modelsDir(), resourcesDir: defaultResourcesDir() });
  let sink: ClockedSink | undefined;
  let built: BuiltSession<ClockedSink>;
  try {
    // The app's own factory: the same providers, turn-taking defaults, tools and Smart Turn (when installed).
    built = await createLiveSession(cliSettings(o, { stt: stt.descriptor.id, llm: llm.descriptor.id, tts: tts.descriptor.id }, llmSaved), 'cascade', {
      // Keys come from the environment only (sent to the vendor's host or the one PARLEY_<PROVIDER>_URL names).
      secrets: new MemorySecretStore(),
      env: process.env,
      clock,
      vad: () => vad,
      sinkAt: (rate) => (sink = new ClockedSink(rate, clock, Boolean(o.out))),
      history: [],
      log,
      warn: boundedLog(io),
      notice: (m) => io.stderr(`parley: ${m}\n`),
      turnModel: installedTurnModel(store, (e) => io.stderr(`parley: Smart Turn could not be loaded (${describeError(e)}); turns are judged on the words\n`)),
      local: { modelsDir: modelsDir() },
    });
  } catch (e) {
    await wav.close();
    await vad.release();
    throw e;
  }
  const session = built.session as CascadeSession;
  const timers = built.timers;

  const collected = collectTurns((l) => session.subscribe(l), o, io, keyHint(stt.descriptor));
  try {
    await session.start();
    // The recording is read from disk as it plays (memory stays flat for any length), then a short silence.
    const started = clock.now();
    let fed = 0;
    for await (const block of input) {
      // Once the STT has given up (a rejected key, its retries spent), nothing more can be heard.
      if (session.sttFailure) break;
      await session.pushAudio(block);
      fed += block.length;
      const due = started + (fed / 16000) * (1000 / (o.speed || 1));
      if (skipping && session.onlyListening) await skipping.skipTo(due);
      else if (due > clock.now()) await sleepOn(clock, due - clock.now());
    }
    await session.finishInput();
    await session.idle();
  } finally {
    await wav.close();
    await session.stop();
    timers.dispose();
    await vad.release();
  }
  if (o.out && sink) await writeWavFile(o.out, { sampleRate: sink.sampleRate, channels: [sink.recording()] });
  return report(collected, o, io, session.sttFailure);
}

/** The saved settings a `parley run` stands for: its providers and options over the app's defaults. */
function cliSettings(o: RunOptions, ids: { stt: string; llm: string; tts: string }, llmSaved: Record<string, unknown>): Settings {
  const defaults = SettingsSchema.parse({ version: SETTINGS_VERSION });
  return {
    ...defaults,
    architecture: 'cascade',
    cascade: {
      ...defaults.cascade,
      stt: ids.stt,
      llm: ids.llm,
      tts: ids.tts,
      ...(o['fallback-llm'] ? { fallbackLlm: o['fallback-llm'] } : {}),
      ...(o['fallback-tts'] ? { fallbackTts: o['fallback-tts'] } : {}),
    },
    providers: { ...defaults.providers, llm: { ...defaults.providers.llm, [ids.llm]: llmSaved } },
    ...(o.system !== undefined ? { systemPrompt: o.system } : {}),
    toolsEnabled: !o['no-tools'],
    offlineOnly: o.offline,
  };
}

/** Diagnostics (retries, stalls) on stderr, bounded: a fault must never flood the terminal. */
function boundedLog(io: CliIo, max = 3): (m: string) => void {
  let n = 0;
  return (m) => {
    if (++n <= max) io.stderr(`parley: ${m.slice(0, 300)}\n`);
    else if (n === max + 1) io.stderr('parley: (further diagnostics suppressed)\n');
  };
}

/** Where a CLI user fixes a rejected key: the provider's environment variable. */
function keyHint(descriptor: { env: string; keyEnv?: string }): (e: ParleyError) => string {
  return (e) => (e.code === 'provider/invalid-key' ? ` (check ${keyVariableOf(descriptor)})` : '');
}

/** Turns as the events describe them (the same for both architectures). */
function collectTurns(subscribe: (l: (e: EngineEvent) => void) => unknown, o: RunOptions, io: CliIo, hint: (e: ParleyError) => string = () => '') {
  const turns = new Map<number, TurnReport>();
  const sessionErrors: TurnReport['errors'] = [];
  const turnOf = (id: number) => {
    let t = turns.get(id);
    if (!t) turns.set(id, (t = { user: '', assistant: '', interrupted: false, spans: {}, errors: [] }));
    return t;
  };
  subscribe((e: EngineEvent) => {
    if (e.type === 'user-final') turnOf(e.turnId).user = e.text;
    else if (e.type === 'assistant-done') Object.assign(turnOf(e.turnId), { assistant: e.text, interrupted: e.interrupted });
    else if (e.type === 'latency') Object.assign(turnOf(e.turnId), spansOf(e.report));
    else if (e.type === 'error') {
      const err = { stage: e.stage, code: e.error.code, message: e.error.message };
      if (e.turnId !== undefined) turnOf(e.turnId).errors.push(err);
      else sessionErrors.push(err);
      if (!o.json) io.stderr(`parley: ${e.stage} error: ${e.error.message}${e.stage === 'stt' ? hint(e.error) : ''}\n`);
    } else if (e.type === 'notice' && !o.json) io.stderr(`parley: ${e.message}\n`);
  });
  return { turns, sessionErrors };
}

/** `failure`: the session stopped listening (its STT refused the key or gave up). */
function report({ turns, sessionErrors }: ReturnType<typeof collectTurns>, o: RunOptions, io: CliIo, failure?: ParleyError): number {
  const all = [...turns.values()];
  if (o.json) {
    const json = all.map((t) => ({
      user: t.user,
      assistant: t.assistant,
      spans: t.spans,
      ...(t.speechEndS !== undefined ? { speechEndS: t.speechEndS } : {}),
      ...(t.endOfTurn ? { endOfTurn: t.endOfTurn } : {}),
      ...(t.voiceToVoiceMs !== undefined ? { voiceToVoiceMs: t.voiceToVoiceMs } : {}),
      ...(t.overlapMs !== undefined ? { overlapMs: t.overlapMs } : {}),
      ...(t.interrupted ? { interrupted: true } : {}),
      ...(t.errors.length ? { errors: t.errors } : {}),
    }));
    io.stdout(JSON.stringify({ turns: json, ...(sessionErrors.length ? { errors: sessionErrors } : {}) }) + '\n');
  } else if (!(failure && all.length === 0)) {
    // (When nothing could be heard, the error line on stderr says why; "no speech" would be untrue.)
    io.stdout(formatTurns(all));
  }
  // A rejected key or request is configuration (exit 2, like a missing key); a service that stayed down is a failure (1).
  if (failure) return failure.code === 'provider/invalid-key' || failure.code === 'provider/bad-request' ? EXIT_BAD_INPUT : EXIT_FAILURE;
  // Nothing understood because a provider failed: that is a failure of the run.
  const fatal = sessionErrors.length > 0 && all.length === 0;
  // Questions heard but not one answered (the LLM or TTS failed every time): the run failed too.
  const asked = all.filter((t) => t.user);
  const noReply = asked.length > 0 && asked.every((t) => t.errors.some((e) => e.stage === 'llm' || e.stage === 'tts'));
  return fatal || noReply ? EXIT_FAILURE : EXIT_OK;
}

/** After the input, speech-to-speech keeps listening (silence) until the model has answered. */
const S2S_MAX_TAIL_MS = 12_000;
const S2S_QUIET_MS = 1500;

async function runSpeechToSpeech(o: RunOptions, io: CliIo): Promise<number> {
  if (o.speed !== 1) throw new ParleyError('cli/usage', 'speech-to-speech runs in real time: --speed does not apply with --mode s2s');
  if (o['llm-model']) throw new ParleyError('cli/usage', '--llm-model chooses the cascade\'s LLM: it does not apply with --mode s2s');
  findProvider('s2s', o.s2s);
  if (o.offline) checkOfflineProvider('s2s', o.s2s);
  const resolved = resolveFromEnvironment('s2s', o.s2s);
  const wav = await openWavStream(o.in);
  const input = monoBlocks(wav.chunks(), wav.sampleRate, 16000, BLOCK);
  const clock = systemClock;
  const tools = o['no-tools'] ? undefined : builtinTools();
  const client = createProvider(resolved, { clock, log: (m) => io.stderr(`parley: ${m}\n`), tools, offlineOnly: o.offline });
  const sink = new ClockedSink(client.sampleRate, clock, Boolean(o.out));
  const vad = await SileroVadModel.load();
  const log = o.log ? new JsonlTranscriptLog(o.log, (e) => io.stderr(`parley: ${e.message}\n`)) : undefined;
  const session = new S2sSession({ client, vad, sink, clock, log, instructions: o.system });
  const collected = collectTurns((l) => session.subscribe(l), o, io);
  let lastActivity = clock.now();
  session.subscribe((e) => {
    if (e.type === 'assistant-chunk' || e.type === 'state' || e.type === 'notice') lastActivity = clock.now();
  });
  try {
    await session.start();
    // The recording, then silence until the model has been quiet a while (it answers in its own time).
    await feedInRealTime((b) => session.pushAudio(b), input, clock, (tail) => {
      const quiet = clock.now() - Math.max(lastActivity, session.lastModelVoiceAt);
      // A call being reconnected is not a quiet one: it comes back (or fails) before the run ends.
      return tail > S2S_MAX_TAIL_MS || (!session.reconnecting && tail > S2S_QUIET_MS && quiet > S2S_QUIET_MS && session.conversationState !== 'assistant-speaking');
    }, () => session.failure !== undefined);
  } finally {
    await wav.close();
    await session.stop();
    await vad.release();
  }
  if (o.out) await writeWavFile(o.out, { sampleRate: sink.sampleRate, channels: [sink.recording()] });
  if (session.failure && collected.turns.size === 0) collected.sessionErrors.push({ stage: 's2s', code: session.failure.code, message: session.failure.message });
  const code = report(collected, o, io);
  // A call that died is a failed run, whatever was said before it died.
  return session.failure ? EXIT_FAILURE : code;
}

function spansOf(report: TurnLatencyReport): Pick<TurnReport, 'spans' | 'voiceToVoiceMs' | 'overlapMs' | 'speechEndS' | 'endOfTurn'> {
  const d = report.decision;
  return {
    spans: report.spans as Record<string, number>,
    ...(report.voiceToVoiceMs !== undefined ? { voiceToVoiceMs: report.voiceToVoiceMs } : {}),
    ...(report.overlapMs !== undefined ? { overlapMs: report.overlapMs } : {}),
    ...(report.speechEndStreamMs !== undefined ? { speechEndS: Math.round(report.speechEndStreamMs) / 1000 } : {}),
    ...(d ? { endOfTurn: { by: d.by, turnClass: d.turnClass, delayMs: d.delayMs, preempted: d.preempted } } : {}),
  };
}

const LABELS: Record<(typeof LATENCY_MARKS)[number], string> = {
  speechEnd: 'you stopped speaking',
  endOfTurn: 'end of turn decided',
  sttFinal: 'final transcript',
  llmFirstToken: 'LLM first token',
  firstSentence: 'first sentence ready',
  ttsFirstByte: 'TTS first audio',
  firstAudioPlayed: 'first audio played',
};

/** The turns as text, each with a latency waterfall (one bar per 25 ms). */
export function formatTurns(turns: TurnReport[]): string {
  if (turns.length === 0) return 'No speech with words was found in the input.\n';
  const lines: string[] = [];
  turns.forEach((t, i) => {
    lines.push(`Turn ${i + 1}`, `  you:    ${t.user}`, `  parley: ${t.assistant || '(no reply)'}${t.interrupted ? ' [interrupted]' : ''}`);
    for (const e of t.errors) lines.push(`  ! ${e.stage}: ${e.message}`);
    for (const mark of LATENCY_MARKS) {
      const ms = t.spans[mark];
      if (ms === undefined) continue;
      lines.push(`  ${LABELS[mark].padEnd(22)} ${`${Math.round(ms)} ms`.padStart(8)}  ${'#'.repeat(Math.max(0, Math.round(ms / 25)))}`);
    }
    if (t.endOfTurn) lines.push(`  end of turn: ${t.endOfTurn.by} (${t.endOfTurn.turnClass}) ${Math.round(t.endOfTurn.delayMs)} ms${t.endOfTurn.preempted ? ', reply prepared early' : ''}`);
    if (t.voiceToVoiceMs !== undefined) lines.push(`  voice-to-voice: ${Math.round(t.voiceToVoiceMs)} ms`);
    if (t.overlapMs) lines.push(`  spoke over you: ${Math.round(t.overlapMs)} ms`);
    lines.push('');
  });
  return lines.join('\n');
}
