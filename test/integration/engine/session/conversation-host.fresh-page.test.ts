import { describe, expect, it } from 'vitest';
import { useConversationHost } from '../../../helpers/conversation-host.js';
import { freePort } from '../../../helpers/net.js';
import { RemotePlayer } from '../../../helpers/remote-player.js';
import { saveBoundKey } from '../../../../electron/engine/settings/key-binding.js';

// A page opened later (a reload, a new tab) gets the transcript back, but not the banners of
// problems from before it was there: those belonged to an earlier attempt and may be long gone.
const setup = useConversationHost();

describe('a fresh page (ConversationHost.attach)', () => {
  it('gets neither the earlier failed start nor the earlier problems outside a turn', async () => {
    const h = await setup({ saveKeys: false });
    h.player.handle.receive('{"type": "not a command"}');
    await h.player.waitFor((m) => m.type === 'event' && m.event.type === 'error');
    h.player.command({ type: 'start', inputRate: 16000 });
    await h.player.waitFor((m) => m.type === 'session' && m.status.state === 'failed');

    const fresh = new RemotePlayer();
    fresh.handle = h.host.attach(fresh);
    expect(fresh.messages.filter((m) => m.type === 'session').map((m) => m.type === 'session' && m.status.state)).toEqual(['idle']);
    expect(fresh.events('error')).toEqual([]);
    // It still works: starting again reports the problem again, to the page that asked.
    fresh.command({ type: 'start', inputRate: 16000 });
    await fresh.waitFor((m) => m.type === 'session' && m.status.state === 'failed');
  });
});

describe('a fresh page taking over a session that is still failing', () => {
  it('gets none of the old session’s problems, nor its failed start, while it is being stopped', async () => {
    const h = await setup();
    const port = await freePort();
    // Deepgram unreachable: the session's STT keeps reporting that it cannot connect (the key is
    // saved again for that address, as Settings requires when a provider moves to another host).
    const unreachable = `ws://127.0.0.1:${port}`;
    await h.store.update((s) => void (s.providers.stt.deepgram = { baseUrl: unreachable }));
    await saveBoundKey(h.secrets, 'deepgram', h.deepgram.key, unreachable);
    h.player.command({ type: 'start', inputRate: 16000 });
    await h.player.waitFor((m) => m.type === 'event' && m.event.type === 'stt-status' && m.event.status.state === 'retrying');

    const fresh = new RemotePlayer();
    fresh.handle = h.host.attach(fresh);
    await h.player.waitFor(() => h.player.closed);
    await h.host.stop();
    expect(fresh.events('error')).toEqual([]);
    expect(fresh.events('stt-status')).toEqual([]);
    expect(fresh.messages.filter((m) => m.type === 'session' && m.status.state === 'failed')).toEqual([]);
  });
});
