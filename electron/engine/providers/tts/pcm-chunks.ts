/**
 * Turns a byte stream of 16-bit little-endian PCM into whole samples, carrying an odd trailing byte
 * to the next chunk (chunk boundaries may split a sample).
 */
export class Pcm16Decoder {
  private carry: number | undefined;

  decode(bytes: Uint8Array): Int16Array {
    let data = bytes;
    if (this.carry !== undefined) {
      const joined = new Uint8Array(bytes.length + 1);
      joined[0] = this.carry;
      joined.set(bytes, 1);
      data = joined;
      this.carry = undefined;
    }
    const whole = data.length & ~1;
    if (whole < data.length) this.carry = data[data.length - 1];
    const out = new Int16Array(whole / 2);
    const view = new DataView(data.buffer, data.byteOffset, whole);
    for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true);
    return out;
  }
}
