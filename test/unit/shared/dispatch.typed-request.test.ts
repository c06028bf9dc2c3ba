import { describe, expect, it, vi } from 'vitest';
import { InvalidRequestError, dispatchInvoke, type InvokeHandlers } from '../../../electron/shared/dispatch.js';
import { defaultSettings, type Settings } from '../../../electron/shared/settings.js';
import { emptyModelHandlers } from '../../helpers/model-handlers.js';

const statuses = { deepgram: 'not-set', openai: 'not-set', anthropic: 'not-set', elevenlabs: 'not-set', gradium: 'not-set' } as const;

/** Handlers that record what they were given. */
function recordingHandlers() {
  const seen: { channel: string; request: unknown }[] = [];
  const handlers: InvokeHandlers = {
    'parley:providers': () => [],
    'parley:engine-info': () => ({ version: '1', platform: 'linux', vad: { state: 'loading' }, notices: [], keyStorage: 'memory' }),
    'parley:settings-get': () => defaultSettings(),
    'parley:settings-update': (request) => {
      seen.push({ channel: 'parley:settings-update', request });
      return request;
    },
    'parley:keys-status': () => statuses,
    'parley:key-set': (request) => {
      seen.push({ channel: 'parley:key-set', request });
      return statuses;
    },
    'parley:key-delete': () => statuses,
    'parley:server-logs': () => ({ running: false, lines: [] }),
    'parley:key-test': () => ({ ok: true }),
    ...emptyModelHandlers(),
  };
  return { handlers, seen };
}

describe('dispatchInvoke: each handler gets its channel\'s parsed request', () => {
  it('hands the handler the parsed value (defaults filled in, text trimmed), not the raw payload', async () => {
    const { handlers, seen } = recordingHandlers();
    await dispatchInvoke(handlers, 'parley:settings-update', { version: 1, turnTaking: { completeWaitMs: 150 } });
    await dispatchInvoke(handlers, 'parley:key-set', { name: 'deepgram', value: '  dg-0123456789  ' });
    const settings = seen[0]!.request as Settings;
    expect(settings.turnTaking).toEqual({ ...defaultSettings().turnTaking, completeWaitMs: 150 });
    expect(settings.cascade).toEqual(defaultSettings().cascade);
    expect(seen[1]!.request).toEqual({ name: 'deepgram', value: 'dg-0123456789' });
  });

  it('refuses a request its schema refuses, naming the channel and the field in plain words; the handler is not called', async () => {
    const { handlers, seen } = recordingHandlers();
    const tooLong = { ...defaultSettings(), turnTaking: { ...defaultSettings().turnTaking, completeWaitMs: 5000 } };
    const refusal = await dispatchInvoke(handlers, 'parley:settings-update', tooLong).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(InvalidRequestError);
    expect(refusal).toMatchObject({ message: 'parley:settings-update: turnTaking.completeWaitMs: must be at most 2000', channel: 'parley:settings-update', field: 'turnTaking.completeWaitMs' });
    await expect(dispatchInvoke(handlers, 'parley:settings-update', { ...defaultSettings(), mode: 'always-on' })).rejects.toThrow('parley:settings-update: mode: must be one of "hands-free", "push-to-talk"');
    await expect(dispatchInvoke(handlers, 'parley:settings-update', { architecture: 's2s' })).rejects.toThrow('parley:settings-update: version: is missing');
    await expect(dispatchInvoke(handlers, 'parley:settings-update', { ...defaultSettings(), turnTaking: { ...defaultSettings().turnTaking, minSilenceMs: 250.5 } })).rejects.toThrow(
      'parley:settings-update: turnTaking.minSilenceMs: must be a whole number',
    );
    await expect(dispatchInvoke(handlers, 'parley:engine-info', { sneaky: true })).rejects.toThrow('parley:engine-info: the request must be empty');
    expect(seen).toEqual([]);
  });

  it('never repeats the refused value (it may be a key)', async () => {
    const { handlers } = recordingHandlers();
    const refusal = (await dispatchInvoke(handlers, 'parley:key-set', { name: 'deepgram', value: 'sk-secret-but-way-too-long-'.repeat(40) }).catch((e: unknown) => e)) as Error;
    expect(refusal.message).toBe('parley:key-set: value: must be at most 512 characters long');
    expect(refusal.message).not.toContain('sk-secret');
  });

  it('checks the response too', async () => {
    const { handlers } = recordingHandlers();
    const leaky = { ...handlers, 'parley:keys-status': vi.fn(() => ({ ...statuses, deepgram: 'dg-0123456789' }) as never) };
    await expect(dispatchInvoke(leaky, 'parley:keys-status', undefined)).rejects.toThrow();
  });
});
