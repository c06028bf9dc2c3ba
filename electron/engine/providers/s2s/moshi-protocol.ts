// Moshi's /api/chat framing, as spoken by Kyutai's servers (moshi/server.py, the Rust moshi-server)
// and their web client (client/src/protocol): every WebSocket message is binary, byte 0 = kind.

export const MOSHI_KIND = {
  handshake: 0x00,
  audio: 0x01,
  text: 0x02,
  control: 0x03,
  metadata: 0x04,
  error: 0x05,
  ping: 0x06,
  coloredText: 0x07,
} as const;

/** The web client's control actions (byte after 0x03). The Python server ignores them. */
export const MOSHI_CONTROL = { start: 0, endTurn: 1, pause: 2, restart: 3 } as const;

export type MoshiMessage =
  /** Server ready. The Python server sends [0x00]; the web client's form adds version and model bytes. */
  | { kind: 'handshake'; version?: number; model?: number }
  /** Ogg/Opus bytes (a piece of one continuous Ogg stream per direction). */
  | { kind: 'audio'; data: Uint8Array }
  /** A text token piece (leading space included): concatenate. */
  | { kind: 'text'; text: string }
  | { kind: 'control'; action: number }
  | { kind: 'metadata'; data: unknown }
  | { kind: 'error'; message: string }
  | { kind: 'ping' }
  | { kind: 'colored-text'; color: number; text: string }
  /** A kind this client does not know (newer servers: images, codes...): ignored, counted. */
  | { kind: 'unknown'; code: number };

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * Parses one message; throws on an empty or malformed one (the caller reports and goes on).
 * `text` decodes text pieces as one stream (a character may be split across two messages); pass
 * the same decoder for a whole call.
 */
export function decodeMoshiMessage(data: Uint8Array, text?: InstanceType<typeof TextDecoder>): MoshiMessage {
  const decodeText = (bytes: Uint8Array) => (text ? text.decode(bytes, { stream: true }) : utf8.decode(bytes));
  if (data.length === 0) throw new Error('empty message');
  const payload = data.subarray(1);
  switch (data[0]) {
    case MOSHI_KIND.handshake:
      return { kind: 'handshake', ...(payload.length >= 2 ? { version: payload[0], model: payload[1] } : {}) };
    case MOSHI_KIND.audio:
      return { kind: 'audio', data: payload };
    case MOSHI_KIND.text:
      return { kind: 'text', text: decodeText(payload) };
    case MOSHI_KIND.control:
      if (payload.length < 1) throw new Error('control message without an action');
      return { kind: 'control', action: payload[0]! };
    case MOSHI_KIND.metadata:
      try {
        return { kind: 'metadata', data: JSON.parse(utf8.decode(payload)) };
      } catch {
        throw new Error('metadata that is not JSON');
      }
    case MOSHI_KIND.error:
      return { kind: 'error', message: utf8.decode(payload) };
    case MOSHI_KIND.ping:
      return { kind: 'ping' };
    case MOSHI_KIND.coloredText:
      if (payload.length < 1) throw new Error('colored text without a color');
      return { kind: 'colored-text', color: payload[0]!, text: decodeText(payload.subarray(1)) };
    default:
      return { kind: 'unknown', code: data[0]! };
  }
}

export function encodeMoshiAudio(ogg: Uint8Array): Uint8Array {
  const out = new Uint8Array(ogg.length + 1);
  out[0] = MOSHI_KIND.audio;
  out.set(ogg, 1);
  return out;
}

export function encodeMoshiText(kind: typeof MOSHI_KIND.text | typeof MOSHI_KIND.error, text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  const out = new Uint8Array(bytes.length + 1);
  out[0] = kind;
  out.set(bytes, 1);
  return out;
}
