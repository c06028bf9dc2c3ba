/**
 * Scripted VAD timelines in the style of ricky0123/vad's tests: a list of stretches such as
 * `{ silence: 320 }, { speech: 640 }` turned into one probability per frame.
 */
export type Stretch = { silence: number; p?: number } | { speech: number; p?: number };

export function probabilities(stretches: Stretch[], frameMs: number): number[] {
  const out: number[] = [];
  for (const s of stretches) {
    const isSpeech = 'speech' in s;
    const ms = isSpeech ? s.speech : s.silence;
    const frames = Math.round(ms / frameMs);
    if (Math.abs(frames * frameMs - ms) > 1e-9) throw new Error(`${ms} ms is not a whole number of ${frameMs} ms frames`);
    for (let i = 0; i < frames; i++) out.push(s.p ?? (isSpeech ? 0.9 : 0.05));
  }
  return out;
}
