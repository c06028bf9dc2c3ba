import { int16ToFloat32, rms } from '../audio/pcm.js';
import { Resampler } from '../audio/resampler.js';
import type { AudioSink } from '../audio/playout.js';
import { ParleyError, describeError, isAbort, isRetryable } from '../errors.js';
import type { TurnLatency } from '../metrics/latency.js';
import type { ChatMessage, LlmProvider, TtsProvider, TtsStream } from '../providers/types.js';
import type { ToolCall } from '../tools/types.js';
import type { ToolRegistry } from '../tools/registry.js';
import { linkedAbort } from '../util/abort.js';
import { withDeadlines, type Timers } from '../util/deadline.js';
import type { EngineEvent, Stage } from '../events/conversation-events.js';
import { SentenceChunker } from './sentence-chunker.js';

export interface ReplyDependencies {
  turnId: number;
  llm: LlmProvider;
  tts: TtsProvider;
  /** Used when the primary failed before producing anything (after its own retries). */
  fallbackLlm?: LlmProvider;
  fallbackTts?: TtsProvider;
  sink: AudioSink;
  tools?: ToolRegistry;
  now: () => Date;
  latency: TurnLatency;
  emit: (event: EngineEvent) => void;
  signal: AbortSignal;
  /** Tool-call rounds before the reply is cut off. Default 4. */
  maxToolRounds?: number;
  /** Deadlines for each LLM request (see LlmDeadlines). */
  llmDeadlines?: Partial<LlmDeadlines>;
  timers?: Timers;
}

/**
 * How long one LLM request may take, from the moment it is sent (retries included): until its
 * first words or tool call, and until it ends. A stall timeout alone does not bound a turn: a
 * server can keep sending empty deltas, or take each retry to its limit.
 */
export interface LlmDeadlines {
  firstTokenMs: number;
  replyMs: number;
}

export const DEFAULT_LLM_DEADLINES: LlmDeadlines = { firstTokenMs: 20_000, replyMs: 90_000 };

export interface ReplyResult {
  /** Messages to append to the history (assistant text and tool calls/results), cut to what was heard. */
  messages: ChatMessage[];
  /** The reply as it goes into the transcript: all of it, or only what was heard if interrupted. */
  text: string;
  fullText: string;
  interrupted: boolean;
  failed: boolean;
}

interface Segment {
  text: string;
  /** Samples (at the sink's rate) written for this segment, and whether the TTS finished it. */
  samples: number;
  done: boolean;
}

/** Speech duration per character, to size a segment whose audio is still incomplete (~14 chars/s). */
const SECONDS_PER_CHAR = 0.07;

/**
 * One assistant reply: LLM deltas -> SentenceChunker -> TTS per chunk -> sink, all overlapped, with
 * tool rounds in between. Everything hangs off `signal`: aborting it (barge-in) cancels the LLM
 * request, closes the TTS connection and stops feeding audio at once.
 */
export class AssistantReply {
  private readonly segments: Segment[] = [];
  private readonly messages: ChatMessage[] = [];
  private tts: TtsStream | undefined;
  private ttsProvider: TtsProvider;
  private ttsDone: Promise<void> = Promise.resolve();
  private resampler: Resampler | undefined;
  private playedBase = 0;
  private fullText = '';
  /** Text written, and the first segment spoken, since the last tool calls (what went before is in the history with them). */
  private textSinceCalls = '';
  private firstSegmentSinceCalls = 0;
  private failed = false;
  private ttsFailed = false;
  /** end() was sent to the TTS (no more text). */
  private ttsEnded = false;
  private playbackRmsValue = 0;

  constructor(private readonly deps: ReplyDependencies) {
    this.ttsProvider = deps.tts;
  }

  /** RMS of the audio most recently sent to the sink (the echo guard's reference). */
  get playbackRms(): number {
    return this.playbackRmsValue;
  }

  async run(history: ChatMessage[]): Promise<ReplyResult> {
    const deps = this.deps;
    this.playedBase = deps.sink.played();
    try {
      let llm = deps.llm;
      for (let round = 0; ; round++) {
        const { text, calls } = await this.streamLlm(llm, [...history, ...this.messages]).catch((e: unknown) => {
          // Nothing said yet and the provider is down: try the fallback once.
          if (deps.fallbackLlm && llm !== deps.fallbackLlm && isRetryable(e) && this.fullText === '') {
            deps.emit({ type: 'notice', message: `${llm.id} failed (${describeError(e)}); using ${deps.fallbackLlm.id}` });
            llm = deps.fallbackLlm;
            return this.streamLlm(llm, [...history, ...this.messages]);
          }
          throw e;
        });
        if (calls.length === 0 || round >= (deps.maxToolRounds ?? 4)) {
          if (calls.length > 0) deps.emit({ type: 'notice', message: 'stopped after too many tool rounds' });
          break;
        }
        this.messages.push({ role: 'assistant', content: text, toolCalls: calls });
        this.textSinceCalls = '';
        this.firstSegmentSinceCalls = this.segments.length;
        for (const call of calls) {
          const result = await deps.tools!.call(call, { signal: deps.signal, now: deps.now });
          if (result.error) deps.emit({ type: 'error', stage: 'tool', error: result.error, turnId: deps.turnId });
          deps.emit({ type: 'tool-result', turnId: deps.turnId, callId: call.id, name: call.name, ok: result.ok, content: result.content });
          this.messages.push({ role: 'tool', toolCallId: call.id, name: call.name, content: result.content });
        }
      }
    } catch (e) {
      if (isAbort(e) || deps.signal.aborted) return this.result();
      // The LLM failed mid-reply: the sentences already complete are still spoken (and recorded).
      this.failed = true;
      this.report(e);
    }
    this.ttsEnded = true;
    this.tts?.end();
    await this.ttsDone;
    // Wait for the audio to play out; a barge-in (paused sink) ends the wait at once.
    await Promise.race([deps.sink.drain(), untilAborted(deps.signal)]);
    return this.result();
  }

  private async streamLlm(llm: LlmProvider, messages: ChatMessage[]): Promise<{ text: string; calls: ToolCall[] }> {
    const deps = this.deps;
    const chunker = new SentenceChunker();
    let text = '';
    const calls: ToolCall[] = [];
    const tools = deps.tools && deps.tools.size > 0 ? deps.tools.specs() : undefined;
    const { firstTokenMs, replyMs } = { ...DEFAULT_LLM_DEADLINES, ...deps.llmDeadlines };
    const request = linkedAbort(deps.signal);
    const events = withDeadlines(llm.stream({ messages, tools, signal: request.controller.signal }), {
      firstMs: firstTokenMs,
      totalMs: replyMs,
      counts: (e) => (e.type === 'text' && e.text.trim() !== '') || e.type === 'tool-call',
      timers: deps.timers,
      onExpire: (which) => {
        request.controller.abort();
        const message = which === 'first' ? `the language model (${llm.id}) sent no reply within ${seconds(firstTokenMs)}` : `the language model (${llm.id}) did not finish its reply within ${seconds(replyMs)}`;
        return new ParleyError('provider/timeout', message, { provider: llm.id });
      },
    });
    try {
      for await (const event of events) {
        if (event.type === 'text') {
          deps.latency.mark('llmFirstToken');
          text += event.text;
          this.fullText += event.text;
          this.textSinceCalls += event.text;
          for (const chunk of chunker.push(event.text)) this.speak(chunk);
        } else if (event.type === 'text-end') {
          // Complete text: its last sentence is spoken now, not when the next token (or the end) comes.
          for (const chunk of chunker.flush()) this.speak(chunk);
        } else if (event.type === 'tool-call') {
          deps.latency.mark('llmFirstToken');
          calls.push(event.call);
          deps.emit({ type: 'tool-call', turnId: deps.turnId, call: event.call });
        }
      }
    } finally {
      request.dispose();
    }
    // Only a reply that ended normally flushes its last words: after a failure they may be cut mid-word.
    for (const chunk of chunker.flush()) this.speak(chunk);
    return { text, calls };
  }

  private speak(chunk: string): void {
    const deps = this.deps;
    deps.latency.mark('firstSentence');
    if (!this.tts) {
      this.tts = this.ttsProvider.open({ signal: deps.signal });
      this.ttsDone = this.playTts(this.tts);
    }
    this.segments.push({ text: chunk, samples: 0, done: false });
    this.tts.push(chunk);
  }

  /** Reads TTS audio in order and hands it to the sink, marking spans and aligning text to audio. */
  private async playTts(tts: TtsStream): Promise<void> {
    const deps = this.deps;
    const announced = new Set<number>();
    try {
      for await (const event of tts) {
        if (deps.signal.aborted) return;
        if (event.type === 'segment-done') {
          const seg = this.segments[event.segment];
          if (seg) seg.done = true;
          continue;
        }
        deps.latency.mark('ttsFirstByte');
        let samples: Float32Array = int16ToFloat32(event.pcm);
        if (event.sampleRate !== deps.sink.sampleRate) {
          this.resampler ??= new Resampler({ inputRate: event.sampleRate, outputRate: deps.sink.sampleRate });
          samples = this.resampler.process(samples);
        }
        this.playbackRmsValue = rms(samples);
        const seg = this.segments[event.segment];
        if (seg) seg.samples += samples.length;
        const first = !announced.has(event.segment);
        announced.add(event.segment);
        deps.sink.write(samples, () => {
          deps.latency.mark('firstAudioPlayed');
          if (first && seg && !deps.signal.aborted) deps.emit({ type: 'assistant-chunk', turnId: deps.turnId, text: seg.text });
        });
      }
    } catch (e) {
      if (isAbort(e) || deps.signal.aborted) return;
      if (deps.fallbackTts && this.ttsProvider !== deps.fallbackTts && isRetryable(e) && this.segments.every((s) => s.samples === 0)) {
        deps.emit({ type: 'notice', message: `${this.ttsProvider.id} failed (${describeError(e)}); using ${deps.fallbackTts.id}` });
        this.ttsProvider = deps.fallbackTts;
        const retry = this.ttsProvider.open({ signal: deps.signal });
        for (const s of this.segments) retry.push(s.text);
        // The reply may have ended before the failure surfaced: the replacement must hear it too.
        if (this.ttsEnded) retry.end();
        this.tts = retry;
        return this.playTts(retry);
      }
      this.failed = true;
      this.ttsFailed = true;
      this.report(e, 'tts');
    }
  }

  private report(e: unknown, stage: Stage = 'llm'): void {
    const error = e instanceof ParleyError ? e : new ParleyError('provider/protocol', describeError(e), { cause: e });
    this.deps.emit({ type: 'error', stage, error, turnId: this.deps.turnId });
  }

  private result(): ReplyResult {
    const interrupted = this.deps.signal.aborted;
    const heard = interrupted ? this.heardParts() : undefined;
    // Interrupted: only what was heard. TTS down: the text the model wrote, so the user can still
    // read it. Otherwise (the LLM failing mid-reply too): the sentences that were spoken, never a
    // cut-off word.
    const textFrom = (first: number, written: string): string => {
      if (heard) return heard.filter((p) => p.segment >= first).map((p) => p.text).join(' ');
      const spoken = this.segments.slice(first).map((s) => s.text).join(' ');
      return this.ttsFailed ? written.trim() : this.failed ? spoken : spoken || written.trim();
    };
    const finalText = textFrom(0, this.fullText);
    const messages = answerEveryCall(this.messages);
    // The history's last message holds the last round only: earlier rounds are in it already, with their tool calls.
    const lastRound = this.messages.length > 0 ? textFrom(this.firstSegmentSinceCalls, this.textSinceCalls) : finalText;
    if (lastRound) messages.push({ role: 'assistant', content: lastRound });
    return { messages, text: finalText, fullText: this.fullText, interrupted, failed: this.failed };
  }

  /** The reply cut at what the sink actually played, by segment and, inside one, by proportion. */
  private heardParts(): { segment: number; text: string }[] {
    let played = this.deps.sink.played() - this.playedBase;
    const parts: { segment: number; text: string }[] = [];
    for (const [segment, seg] of this.segments.entries()) {
      if (played <= 0) break;
      const expected = seg.done ? seg.samples : Math.max(seg.samples, seg.text.length * SECONDS_PER_CHAR * this.deps.sink.sampleRate);
      if (played >= expected && seg.done) {
        parts.push({ segment, text: seg.text });
        played -= expected;
        continue;
      }
      const cut = cutAtWord(seg.text, Math.min(1, played / Math.max(1, expected)));
      if (cut) parts.push({ segment, text: cut });
      break;
    }
    return parts;
  }
}

/**
 * The APIs reject a history with a tool call left unanswered (OpenAI and Anthropic answer every
 * later request with 400). A call cut off by a barge-in is recorded as cancelled, so the model
 * also knows it did not finish.
 */
function answerEveryCall(messages: readonly ChatMessage[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    out.push(m);
    if (m.role !== 'assistant' || !m.toolCalls?.length) continue;
    const answered = new Set<string>();
    while (messages[i + 1]?.role === 'tool') {
      const t = messages[++i] as Extract<ChatMessage, { role: 'tool' }>;
      answered.add(t.toolCallId);
      out.push(t);
    }
    for (const c of m.toolCalls) {
      if (!answered.has(c.id)) out.push({ role: 'tool', toolCallId: c.id, name: c.name, content: JSON.stringify({ error: 'cancelled: the user interrupted before the tool finished' }) });
    }
  }
  return out;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

function cutAtWord(text: string, fraction: number): string {
  const at = Math.floor(text.length * fraction);
  const space = text.lastIndexOf(' ', at);
  return text.slice(0, space > 0 ? space : 0).trim();
}
