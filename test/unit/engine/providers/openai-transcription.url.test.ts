import { describe, expect, it } from 'vitest';
import { quietestPoint, transcriptionUrl } from '../../../../electron/engine/providers/stt/openai-transcription.js';

describe('OpenAI-compatible transcription: where the audio goes and where a long utterance is cut', () => {
  it("path 'auto' picks OpenAI's route under an API root ending in /v1, whisper.cpp's /inference otherwise; an explicit path wins", () => {
    expect(transcriptionUrl({ baseUrl: 'http://127.0.0.1:8080', path: 'auto' })).toBe('http://127.0.0.1:8080/inference');
    expect(transcriptionUrl({ baseUrl: 'http://127.0.0.1:8080/', path: 'auto' })).toBe('http://127.0.0.1:8080/inference');
    expect(transcriptionUrl({ baseUrl: 'https://api.openai.com/v1', path: 'auto' })).toBe('https://api.openai.com/v1/audio/transcriptions');
    expect(transcriptionUrl({ baseUrl: 'https://api.groq.com/openai/v1/', path: 'auto' })).toBe('https://api.groq.com/openai/v1/audio/transcriptions');
    // whisper.cpp started with --inference-path /v1/audio/transcriptions
    expect(transcriptionUrl({ baseUrl: 'http://127.0.0.1:8080/v1', path: 'auto' })).toBe('http://127.0.0.1:8080/v1/audio/transcriptions');
    expect(transcriptionUrl({ baseUrl: 'http://box.lan:9000/api', path: '/audio/transcriptions' })).toBe('http://box.lan:9000/api/audio/transcriptions');
    expect(transcriptionUrl({ baseUrl: 'http://127.0.0.1:8080/v1', path: '/inference' })).toBe('http://127.0.0.1:8080/v1/inference');
  });

  it('cuts in the quietest 20 ms of the range, not in the middle of a sound', () => {
    const audio = new Float32Array(16000).fill(0.5);
    audio.fill(0, 9000, 9400);
    const cut = quietestPoint(audio, 8000, 12000);
    expect(cut).toBeGreaterThanOrEqual(9000);
    expect(cut).toBeLessThanOrEqual(9400);
    // A range shorter than one window: cut at its end.
    expect(quietestPoint(audio, 100, 200)).toBe(200);
  });
});
