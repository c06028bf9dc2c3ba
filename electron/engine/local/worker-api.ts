/** What a worker method gets besides its params. */
export interface WorkerCall {
  /** Fires when the host cancels the request (barge-in) or the host goes away. */
  signal: AbortSignal;
  /** Streams one item to the caller (validated there). */
  emit(data: unknown): void;
  /** Loading progress: `fraction` in [0, 1], or null when unknown. */
  progress(stage: string, fraction: number | null): void;
}

/** One method of a worker module: validate `params` (zod), do the work, return the result. Throw ParleyError for typed faults. */
export type WorkerMethod = (params: unknown, call: WorkerCall) => Promise<unknown>;

/**
 * A worker module (the file a LocalProcessHost runs) exports `createWorker`, called once when the
 * process starts. Its state (loaded models) lives as long as the process.
 */
export type CreateWorker = () => Record<string, WorkerMethod> | Promise<Record<string, WorkerMethod>>;
