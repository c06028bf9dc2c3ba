import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../../electron/engine/clock.js';
import { encodeMicrophoneFrame } from '../../../../electron/shared/conversation.js';
import { isRunning, useConversationHost } from '../../../helpers/conversation-host.js';

// A page (or a hostile client of `parley serve`) pushing microphone audio faster than real time:
// 68 minutes in 13.5 s once grew the engine by 260 MB. Only real time plus a small burst goes on.

const setup = useConversationHost();
const FRAME_MS = 20;
const BYTES_PER_FRAME = 320 * 2; // 20 ms at 16 kHz, Int16

describe('the live conversation under audio faster than real time', () => {
  it('passes real time plus the burst allowance, drops the rest, tells the page with the count and logs it', async () => {
    const clock = new ManualClock();
    const warnings: string[] = [];
    const h = await setup({ clock, warn: (m) => warnings.push(m) });
    h.player.command({ type: 'start', inputRate: 16000 });
    await h.player.waitFor(isRunning);
    const frame = new Uint8Array(encodeMicrophoneFrame(new Int16Array(320).fill(100)));

    // 68 minutes of audio while the clock stands still.
    const pushed = (68 * 60 * 1000) / FRAME_MS;
    for (let i = 0; i < pushed; i++) h.player.handle.receive(frame);
    // The burst allowance (2 s) went on to speech-to-text, nothing more.
    const burstFrames = 2000 / FRAME_MS;
    await vi.waitFor(() => expect(h.deepgram.stats.audioBytes).toBe(burstFrames * BYTES_PER_FRAME));
    const reports = () => h.player.messages.filter((m) => m.type === 'audio-dropped');
    expect(reports()).toEqual([{ type: 'audio-dropped', frames: 1, droppedMs: FRAME_MS }]);
    expect(warnings.filter((w) => /faster than real time/.test(w))).toHaveLength(1);

    // Real time again: a second of audio over a second of clock all goes on.
    for (let i = 0; i < 1000 / FRAME_MS; i++) {
      clock.advance(FRAME_MS);
      h.player.handle.receive(frame);
    }
    await vi.waitFor(() => expect(h.deepgram.stats.audioBytes).toBe((burstFrames + 1000 / FRAME_MS) * BYTES_PER_FRAME));
    // Flooding again a second later: one more report (at its first drop), with the running count.
    for (let i = 0; i < 200; i++) h.player.handle.receive(frame);
    const reported = pushed - burstFrames + 1;
    expect(reports().at(-1)).toEqual({ type: 'audio-dropped', frames: reported, droppedMs: reported * FRAME_MS });
    expect(reports()).toHaveLength(2);
    const dropped = pushed - burstFrames + 200;

    h.player.command({ type: 'stop' });
    await h.player.waitFor((m) => m.type === 'session' && m.status.state === 'idle' && h.player.messages.indexOf(m) > 0);
    expect(warnings.filter((w) => /faster than real time/.test(w))).toEqual([
      expect.stringMatching(/dropping/),
      `dropped ${((dropped * FRAME_MS) / 60_000).toFixed(1)} min of microphone audio (${dropped} frames) that arrived faster than real time`,
    ]);
  }, 60_000);
});
