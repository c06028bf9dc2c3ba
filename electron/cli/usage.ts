import { MODEL_TASKS } from '../engine/models/catalog.js';
import type { ProviderKind } from '../engine/providers/registry.js';
import { DEFAULT_ENDPOINTER } from '../engine/vad/endpointer.js';

// Every command's usage text, apart from the commands: `parley --help` prints them all without
// loading any command module (nor the engine parts a command runs on), and a command loads no other
// command's needs for its own text (the provider registry only for `run` and the full help).

export const OVERVIEW = `parley - the Parley voice engine, headless

Usage:
  parley vad <file.wav> [options]   find the speech segments in a WAV file
  parley run --in <file.wav> [...]  talk to the cascade with a recording; prints replies and latencies
  parley serve [--port <n>]         serve the engine and the interface to a browser on 127.0.0.1
  parley models <list|pull|import|remove>
                                    local models for offline use (download, verify, install)
  parley <command> --help           options of a command
  parley --help | --version
`;

export const VAD_USAGE = `Usage: parley vad <file.wav> [options]

Finds the speech in a WAV file (any rate, any channels; PCM 8/16/24/32-bit or float) with the
bundled Silero VAD and prints the segments in seconds.

Options:
  --json                   print one JSON object instead of a table
  --threshold <p>          speech starts at probability >= p (above 0 and below 1, default ${DEFAULT_ENDPOINTER.activationThreshold})
  --neg-threshold <p>      speech continues while probability >= p (default threshold - 0.15)
  --min-speech-ms <ms>     shorter bursts are ignored (default ${DEFAULT_ENDPOINTER.minSpeechMs})
  --min-silence-ms <ms>    silence that ends a segment (default ${DEFAULT_ENDPOINTER.minSilenceMs})
  --device <d>             auto | cpu | cuda | coreml | dml (default cpu)
  --threads <n>            inference threads (default 1)
  --model <file.onnx>      a Silero VAD v5/v6 model instead of the bundled one
`;

/** `parley run`'s text, naming the registry's providers. */
export const runUsage = (providerIds: (kind: ProviderKind) => string[]): string => `Usage: parley run --in <question.wav> [options]

Plays the WAV into the cascade as a microphone would (real VAD, real streaming STT, LLM and TTS
clients), then prints what you said, what Parley answered and the latency of every stage.
With --mode s2s it streams the WAV (then silence) into one speech-to-speech model in real time.

Options:
  --in <file.wav>        the user's audio (any WAV, any length: read as it plays, resampled to
                         16 kHz mono; convert MP3/FLAC/Ogg first, e.g. with ffmpeg or sox)
  --out <file.wav>       write the assistant's voice (as played) to this file
  --mode <m>             cascade | s2s (default cascade)
  --s2s <id>             ${providerIds('s2s').join(' | ')} (default moshi; with --mode s2s)
  --offline              refuse cloud providers; stages not given use the installed local
                         models (a missing one is named with: parley models pull <id>)
  --stt <id>             ${providerIds('stt').join(' | ')} (default deepgram)
  --llm <id>             ${providerIds('llm').join(' | ')} (default openai)
  --llm-model <name>     the model the LLM runs, e.g. llama3.2 or qwen2.5:7b with --llm ollama,
                         gpt-4o-mini with openai, claude-haiku-4-5 with anthropic, an installed
                         model id or a .gguf file with llama-cpp (default: the provider's own)
  --llm-max-tokens <n>   the longest reply the LLM may give, in tokens (default: the provider's)
  --tts <id>             ${providerIds('tts').join(' | ')} (default openai)
  --fallback-llm <id>    LLM to use when the main one keeps failing (after retries)
  --fallback-tts <id>    TTS to use when the main one keeps failing
  --system <text>        system prompt
  --no-tools             do not offer the built-in tools (date/time, timers, calculator)
  --speed <x>            feed audio at x times real time (default 1); 0 = skip ahead wherever
                         Parley only listens (turn decisions, replies and playback still run in
                         real time, so the latencies stay true)
  --log <file.jsonl>     append the transcript and latencies to this JSONL file
  --json                 print {"turns":[{"user","assistant","spans":{...}}]}

Endpoints and keys come from the environment: PARLEY_<PROVIDER>_URL (e.g. PARLEY_DEEPGRAM_URL,
PARLEY_OPENAI_URL, PARLEY_ANTHROPIC_URL, PARLEY_ELEVENLABS_URL, PARLEY_OLLAMA_URL, PARLEY_MOSHI_URL,
PARLEY_OPENAI_REALTIME_URL) and <PROVIDER>_API_KEY (DEEPGRAM_API_KEY, OPENAI_API_KEY,
ANTHROPIC_API_KEY, ELEVENLABS_API_KEY; OpenAI Realtime uses OPENAI_API_KEY, Deepgram Flux
(PARLEY_DEEPGRAM_FLUX_URL) DEEPGRAM_API_KEY). --stt openai-transcribe sends each utterance to a
whisper.cpp server (PARLEY_OPENAI_TRANSCRIBE_URL, default http://127.0.0.1:8080: POST /inference)
or to an OpenAI-compatible API when the URL ends in /v1 (POST /audio/transcriptions); its key is
optional and its own (OPENAI_TRANSCRIBE_API_KEY).
`;

export const SERVE_USAGE = `Usage: parley serve [--port <n>] [--allow-launch]

Runs the engine and serves the app's interface on http://127.0.0.1 for a browser (and for the
end-to-end tests). The printed URL carries a random access token (after #, so it is never sent
in a request; the page removes it from the address bar); other pages cannot reach the engine.

Options:
  --port <n>       port to listen on (default: any free port)
  --allow-launch   let the page's settings start a local model server (its launch command runs
                   on this machine; each command is printed before it runs)
`;

export const MODELS_USAGE = `Usage: parley models <list|pull|import|remove> [...]

Local models for offline use: speech recognition (stt), language (llm), speech synthesis (tts),
voice activity (vad) and turn detection (turn). They live in PARLEY_MODELS_DIR, else in the
models/ folder of PARLEY_DATA_DIR (default ~/.parley). Nothing is downloaded at run time.

  parley models list [--json]        the catalog and what is installed (with disk usage)
  parley models pull <id> [--sha256 <hex>]
                                     download a catalog model, verify its sha256, install it;
                                     an interrupted download resumes where it stopped. Models
                                     whose checksum the catalog does not know need --sha256
  parley models import <file|folder|url> --task <${MODEL_TASKS.join('|')}> [--sha256 <hex>] [--id <name>]
                                     install from a local file, archive (.tar, .tar.gz, .tar.bz2) or
                                     folder, or from any URL (a mirror for machines without
                                     internet); a catalog id is checked against its sha256
  parley models remove <id>          delete an installed model
`;

/** The overview and every command's options. */
export async function fullUsage(): Promise<string> {
  const { providerIds } = await import('../engine/providers/registry.js');
  return [OVERVIEW, VAD_USAGE, runUsage(providerIds), SERVE_USAGE, MODELS_USAGE].join('\n');
}
