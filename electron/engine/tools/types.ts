// What a model and the tools exchange. Defined here, below the providers, so tools/ needs nothing of
// providers/ (the LLM and speech-to-speech clients import these, not the other way round).

/** A tool the model may call, as sent to it. */
export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}

/** One call the model made. */
export interface ToolCall {
  id: string;
  name: string;
  /** Parsed JSON arguments (or the raw text when the model produced invalid JSON). */
  arguments: unknown;
}
