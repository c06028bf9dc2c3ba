import { decode, encode } from '@msgpack/msgpack';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeKyutai, type FakeKyutaiOptions } from '../../../fakes/kyutai-moshi-server.js';

/**
 * The fake must be as strict as moshi-server (main.rs, batched_asr.rs, py_module.rs): these pin
 * what it does with each kind of bad input, so a client is tested against the real behaviour.
 */
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function fake(options: FakeKyutaiOptions = {}) {
  const f = await startFakeKyutai(options);
  closers.push(f.close);
  return f;
}

interface Session {
  ws: WebSocket;
  messages: Record<string, unknown>[];
  closed: Promise<number>;
}

function open(url: string, headers: Record<string, string> = { 'kyutai-api-key': 'public_token' }): Promise<Session> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const messages: Record<string, unknown>[] = [];
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    ws.on('message', (data: Buffer) => messages.push(decode(data) as Record<string, unknown>));
    ws.on('open', () => resolve({ ws, messages, closed }));
    ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode} ${res.headers['content-length']}`)));
    ws.on('error', () => undefined);
  });
}

const frame = (value: number) => encode({ type: 'Audio', pcm: new Array<number>(1920).fill(value) });

describe('fake moshi-server strictness', () => {
  it('a bad or missing key is a bare 401 at the upgrade; the auth_id query works like the header', async () => {
    const f = await fake();
    await expect(open(`${f.url}/api/asr-streaming`, { 'kyutai-api-key': 'nope' })).rejects.toThrow('HTTP 401 0');
    await expect(open(`${f.url}/api/tts_streaming`, {})).rejects.toThrow('HTTP 401 0');
    const viaQuery = await open(`${f.url}/api/asr-streaming?auth_id=public_token`, {});
    viaQuery.ws.close();
  });

  it('ASR: Ready first; text frames ignored; audio of any length buffered into 80 ms steps', async () => {
    const f = await fake();
    const s = await open(`${f.url}/api/asr-streaming`);
    s.ws.send('hello'); // ignored
    s.ws.send(encode({ type: 'Audio', pcm: new Array<number>(1000).fill(0) }));
    s.ws.send(encode({ type: 'Audio', pcm: new Array<number>(3000).fill(0) }));
    while (s.messages.filter((m) => m.type === 'Step').length < 2) await new Promise((r) => setTimeout(r, 5));
    expect(s.messages[0]).toEqual({ type: 'Ready' });
    // 4000 samples: two frames stepped, 160 left in the buffer.
    expect(s.messages.filter((m) => m.type === 'Step').at(-1)).toMatchObject({ step_idx: 1, buffered_pcm: 160 });
    expect(f.stats.stt.oddLengthMessages).toBe(2);
    s.ws.close();
  });

  it('ASR: bytes that are not MessagePack, or an unknown message type, drop the connection without a close frame', async () => {
    const f = await fake();
    for (const bad of [Buffer.from([0xc1, 0x01]), Buffer.from(encode({ type: 'Flush' })), Buffer.from(encode({ type: 'Audio', pcm: 'x' }))]) {
      const s = await open(`${f.url}/api/asr-streaming`);
      s.ws.send(bad);
      expect(await s.closed).toBe(1006);
      // No Error message: the receive loop just fails.
      expect(s.messages.map((m) => m.type)).toEqual(['Ready']);
    }
  });

  it('ASR: a marker comes back after the audio before it plus the delay', async () => {
    const f = await fake({ delayFrames: 3 });
    const s = await open(`${f.url}/api/asr-streaming`);
    s.ws.send(frame(0));
    s.ws.send(encode({ type: 'Marker', id: 42 }));
    for (let i = 0; i < 3; i++) s.ws.send(frame(0));
    while (!s.messages.some((m) => m.type === 'Marker')) await new Promise((r) => setTimeout(r, 5));
    // Marker sent after step 1: it returns with step 1 + 3.
    expect(s.messages.filter((m) => m.type === 'Step')).toHaveLength(4);
    expect(s.messages.at(-1)).toEqual({ type: 'Marker', id: 42 });
    s.ws.close();
  });

  it('at capacity: Error "no free channels", then a bare close', async () => {
    const f = await fake({ channels: 1 });
    const first = await open(`${f.url}/api/asr-streaming`);
    const second = await open(`${f.url}/api/asr-streaming`);
    expect(await second.closed).toBe(1005);
    expect(second.messages).toEqual([{ type: 'Error', message: 'no free channels' }]);
    first.ws.close();
  });

  it('TTS: Ready, audio and word times for msgpack Text, raw text frames spoken too, "\\0" ends; a bad frame closes the channel', async () => {
    const f = await fake();
    const s = await open(`${f.url}/api/tts_streaming?format=PcmMessagePack`);
    s.ws.send(encode({ type: 'Text', text: 'Hello' }));
    s.ws.send('there');
    s.ws.send(Buffer.from([0]));
    expect(await s.closed).toBe(1005);
    expect(s.messages[0]).toEqual({ type: 'Ready' });
    expect(s.messages.filter((m) => m.type === 'Text')).toEqual([
      { type: 'Text', text: 'Hello', start_s: 0, stop_s: 0.32 },
      { type: 'Text', text: 'there', start_s: 0.32, stop_s: 0.64 },
    ]);
    expect(s.messages.filter((m) => m.type === 'Audio').every((m) => (m.pcm as number[]).length === 1920)).toBe(true);
    const bad = await open(`${f.url}/api/tts_streaming?format=PcmMessagePack`);
    bad.ws.send(Buffer.from(encode({ type: 'Speak', text: 'x' })));
    expect(await bad.closed).toBe(1005);
    expect(bad.messages).toEqual([{ type: 'Ready' }]);
  });

  it('TTS: without format=PcmMessagePack it streams raw Ogg pages, not MessagePack', async () => {
    const f = await fake();
    const raw: Buffer[] = [];
    const ws = new WebSocket(`${f.url}/api/tts_streaming`, { headers: { 'kyutai-api-key': 'public_token' } });
    ws.on('message', (d: Buffer) => raw.push(d));
    await new Promise((r) => ws.on('open', r));
    while (raw.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(raw[0]!.subarray(0, 4).toString()).toBe('OggS');
    ws.close();
  });
});
