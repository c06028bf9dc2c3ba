import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeWav } from '../../../../electron/engine/audio/wav.js';
import { startFakeTranscription } from '../../../fakes/openai-transcription.js';
import { sine } from '../../../helpers/signals.js';

// The fake is written from OpenAI's API reference and whisper.cpp's server.cpp, not from Parley's
// client: these requests are built by hand (and by the official SDK), as other clients send them.
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

const wav = (rate = 16000, seconds = 1) => new Blob([encodeWav({ sampleRate: rate, channels: [sine(220, rate, seconds, 0.3)] }) as Uint8Array<ArrayBuffer>], { type: 'audio/wav' });

function form(fields: Record<string, string>, file?: { blob: Blob; name?: string }): FormData {
  const f = new FormData();
  if (file) {
    if (file.name === undefined) f.append('file', file.blob);
    else f.append('file', file.blob, file.name);
  }
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  return f;
}

async function post(url: string, body: FormData | string | Buffer, headers: Record<string, string> = {}) {
  const r = await fetch(url, { method: 'POST', body, headers });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

describe('the fake transcription server is as strict as the real ones', () => {
  it('OpenAI route: file and model required, the file named with a known format and holding real audio; errors in OpenAI\'s shape', async () => {
    const fake = await startFakeTranscription({ apiKey: 'sk-1', transcripts: ['hello'] });
    closers.push(fake.close);
    const url = `${fake.baseUrl}/audio/transcriptions`;
    const auth = { authorization: 'Bearer sk-1' };
    const invalidFormat = { error: { message: expect.stringMatching(/^Invalid file format\./), type: 'invalid_request_error', param: 'file', code: null } };
    expect(await post(url, form({ model: 'whisper-1' }, { blob: wav(), name: 'a.wav' }), { authorization: 'Bearer nope' })).toMatchObject({ status: 401, json: { error: { code: 'invalid_api_key', type: 'invalid_request_error' } } });
    expect(await post(url, form({ model: 'whisper-1' }), auth)).toMatchObject({ status: 400, json: { error: { param: 'file', type: 'invalid_request_error' } } });
    expect(await post(url, form({}, { blob: wav(), name: 'a.wav' }), auth)).toMatchObject({ status: 400, json: { error: { param: 'model' } } });
    // FormData names an unnamed Blob "blob": no extension, no format.
    expect(await post(url, form({ model: 'whisper-1' }, { blob: wav() }), auth)).toMatchObject({ status: 400, json: invalidFormat });
    expect(await post(url, form({ model: 'whisper-1' }, { blob: wav(), name: 'a.txt' }), auth)).toMatchObject({ status: 400, json: invalidFormat });
    expect(await post(url, form({ model: 'whisper-1' }, { blob: new Blob(['not audio at all'], { type: 'audio/wav' }), name: 'a.wav' }), auth)).toMatchObject({ status: 400, json: { error: { param: 'file' } } });
    expect(await post(url, form({ model: 'whisper-1' }, { blob: wav(16000, 0.05), name: 'a.wav' }), auth)).toMatchObject({ status: 400, json: { error: { code: 'audio_too_short' } } });
    expect(await post(url, JSON.stringify({ model: 'whisper-1' }), { ...auth, 'content-type': 'application/json' })).toMatchObject({ status: 400, json: { error: { message: expect.stringContaining('expected multipart/form-data') } } });
    expect(await post(url, form({ model: 'whisper-1', response_format: 'json' }, { blob: wav(), name: 'speech.wav' }), auth)).toEqual({ status: 200, json: { text: 'hello' } });
  });

  it('accepts what the official openai SDK sends (toFile with a name), at any sample rate', async () => {
    const fake = await startFakeTranscription({ apiKey: 'sk-1', transcripts: ['from the sdk'] });
    closers.push(fake.close);
    const { default: OpenAI, toFile } = await import('openai');
    const client = new OpenAI({ apiKey: 'sk-1', baseURL: fake.baseUrl, maxRetries: 0 });
    const bytes = encodeWav({ sampleRate: 44100, channels: [sine(220, 44100, 1, 0.3)] });
    const result = await client.audio.transcriptions.create({ file: await toFile(Buffer.from(bytes), 'speech.wav', { type: 'audio/wav' }), model: 'whisper-1' });
    expect(result.text).toBe('from the sdk');
    expect(fake.requests[0]!.file).toMatchObject({ filename: 'speech.wav', sampleRate: 44100 });
  });

  it("whisper.cpp route: no key, refusals as HTTP 200 {\"error\"} (no 'file' field, a WAV it cannot read: not 16 kHz)", async () => {
    const fake = await startFakeTranscription({ transcripts: ['and so my fellow americans'] });
    closers.push(fake.close);
    const url = `${fake.url}/inference`;
    expect(await post(url, form({ response_format: 'json' }))).toEqual({ status: 200, json: { error: "no 'file' field in the request" } });
    expect(await post(url, form({}, { blob: wav(44100), name: 'a.wav' }))).toEqual({ status: 200, json: { error: 'failed to read WAV file' } });
    expect(await post(url, form({ temperature: '0.0', response_format: 'json' }, { blob: wav(), name: 'jfk.wav' }))).toEqual({ status: 200, json: { text: ' and so my fellow americans\n' } });
  });

  it('survives any byte sequence: junk bodies and broken multipart get 4xx, and it still answers afterwards', async () => {
    const fake = await startFakeTranscription({ apiKey: 'sk-1', transcripts: ['still alive'] });
    closers.push(fake.close);
    const url = `${fake.baseUrl}/audio/transcriptions`;
    const auth = { authorization: 'Bearer sk-1' };
    let seed = 7;
    const junk = (n: number) => Buffer.from(Array.from({ length: n }, () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff));
    for (let i = 0; i < 20; i++) {
      const r = await post(url, junk(1 + i * 97), { ...auth, 'content-type': 'multipart/form-data; boundary=xyz' });
      expect(r.status).toBe(400);
    }
    const truncated = '--xyz\r\ncontent-disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n--xyz\r\ncontent-disposition: form-data; name="file"; filename="a.wav"\r\ncontent-type: audio/wav\r\n\r\nRIFF';
    expect((await post(url, truncated, { ...auth, 'content-type': 'multipart/form-data; boundary=xyz' })).status).toBe(400);
    // A raw socket that sends half a request and leaves.
    await new Promise<void>((resolve) => {
      const s = net.connect(Number(new URL(fake.url).port), '127.0.0.1', () => {
        s.write('POST /inference HTTP/1.1\r\nhost: x\r\ncontent-type: multipart/form-data; boundary=b\r\ncontent-length: 999\r\n\r\n--b\r\n\x00\xff');
        s.destroy();
        resolve();
      });
    });
    expect(await post(url, form({ model: 'whisper-1' }, { blob: wav(), name: 'a.wav' }), auth)).toEqual({ status: 200, json: { text: 'still alive' } });
  });
});
