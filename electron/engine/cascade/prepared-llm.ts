import { isAbort } from '../errors.js';
import type { ChatMessage, LlmEvent, LlmProvider, LlmRequest } from '../providers/types.js';
import type { ToolSpec } from '../tools/types.js';
import { AsyncQueue } from '../util/async-queue.js';
import { linkedAbort } from '../util/abort.js';

/**
 * Preemptive generation (as LiveKit does it): the LLM request for a turn starts while the end of
 * the turn is still being confirmed, and its events wait in a buffer. If the turn ends on the same
 * words, the reply takes the buffered stream (`provider`) instead of a new request; otherwise
 * `discard()` cancels it without a sound. Only the first request of the reply is prepared; tool
 * rounds after it go to the real provider.
 */
export class PreparedLlmRequest {
  private readonly buffer = new AsyncQueue<LlmEvent>();
  private readonly abort: { controller: AbortController; dispose: () => void };
  private taken = false;

  constructor(
    private readonly llm: LlmProvider,
    /** The words the request was prepared on. */
    readonly text: string,
    messages: ChatMessage[],
    tools: ToolSpec[] | undefined,
    signal: AbortSignal,
  ) {
    this.abort = linkedAbort(signal);
    void this.pump({ messages, ...(tools ? { tools } : {}), signal: this.abort.controller.signal });
  }

  /** Cancels the request (the user went on, or the words changed). */
  discard(): void {
    this.abort.controller.abort();
    this.abort.dispose();
    this.buffer.end();
  }

  /**
   * An LLM whose first stream() replays the prepared request (its events as they arrived, then live);
   * `signal` (the turn's) cancels it from then on.
   */
  provider(turnSignal: AbortSignal): LlmProvider {
    const onAbort = () => this.discard();
    turnSignal.addEventListener('abort', onAbort, { once: true });
    return {
      id: this.llm.id,
      stream: (request: LlmRequest) => {
        if (this.taken) return this.llm.stream(request);
        this.taken = true;
        return this.buffer;
      },
    };
  }

  private async pump(request: LlmRequest): Promise<void> {
    try {
      for await (const event of this.llm.stream(request)) this.buffer.push(event);
      this.buffer.end();
    } catch (e) {
      if (isAbort(e) || request.signal?.aborted) this.buffer.end();
      else this.buffer.fail(e);
    } finally {
      this.abort.dispose();
    }
  }
}
