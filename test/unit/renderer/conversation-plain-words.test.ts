import { describe, expect, it } from 'vitest';
import { ConversationMessageSchema, type ConversationMessage } from '../../../electron/shared/conversation.js';
import type { ProviderInfo } from '../../../electron/shared/ipc.js';
import { SettingsSchema } from '../../../electron/shared/settings.js';
import { emptyConversation, levelPercent, liveStatusLabel, plainError, providersLine, reduceConversation, stageName, type ConversationView } from '../../../renderer/src/conversation/model.js';

const cascade = { state: 'running', architecture: 'cascade', providers: { stt: 'deepgram', llm: 'openai', tts: 'openai' }, playbackRate: 24000, mode: 'hands-free', muted: false, talking: false } as const;
const play = (messages: unknown[], from: ConversationView = emptyConversation) => messages.reduce<ConversationView>((v, m) => reduceConversation(v, ConversationMessageSchema.parse(m)), from);
const state = (s: string): ConversationMessage => ({ type: 'event', event: { type: 'state', state: s as 'listening' } });

function provider(kind: ProviderInfo['kind'], id: string, displayName: string, model?: string): ProviderInfo {
  return { kind, id, displayName, local: false, requiresKey: true, keyName: null, capabilities: [], settingsSchema: model ? { type: 'object', properties: { model: { type: 'string', default: model } } } : { type: 'object', properties: {} } };
}
const providers = [provider('stt', 'deepgram', 'Deepgram', 'nova-3'), provider('llm', 'openai', 'OpenAI (and compatible servers)', 'gpt-4o-mini'), provider('tts', 'openai', 'OpenAI', 'gpt-4o-mini-tts'), provider('s2s', 'moshi', 'Moshi (Kyutai, runs locally)')];

describe('the conversation state in words, and who is speaking', () => {
  it('says what the conversation is doing, turn by turn, with the speaker the voice visual shows', () => {
    expect(liveStatusLabel(emptyConversation, false)).toMatchObject({ text: 'Not started', tone: 'idle', speaker: 'none' });
    expect(liveStatusLabel(emptyConversation, false, { preparing: true }).text).toBe('Getting ready…');
    let v = play([{ type: 'session', status: cascade }]);
    expect(liveStatusLabel(v, false)).toMatchObject({ text: 'Listening', tone: 'ok', speaker: 'none' });
    v = play([state('user-speaking')], v);
    expect(liveStatusLabel(v, false)).toMatchObject({ text: "You're speaking", speaker: 'user' });
    v = play([state('thinking')], v);
    expect(liveStatusLabel(v, false)).toMatchObject({ text: 'Thinking…', speaker: 'none' });
    v = play([state('assistant-speaking')], v);
    expect(liveStatusLabel(v, false)).toMatchObject({ text: 'Parley is speaking', speaker: 'assistant' });
    v = play([{ type: 'event', event: { type: 'barge-in', turnId: 1, phase: 'suspected' } }], v);
    expect(liveStatusLabel(v, false)).toMatchObject({ text: 'Paused: are you interrupting?', speaker: 'user' });
  });

  it('the engine gone: says so, whatever the conversation was doing', () => {
    const v = play([{ type: 'session', status: cascade }, state('assistant-speaking')]);
    expect(liveStatusLabel(v, false, { engineGone: true })).toMatchObject({ text: 'Not connected to the engine', tone: 'error', speaker: 'none' });
  });

  it('a session that failed says so in the state too (the banner above says why)', () => {
    const error = { code: 'provider/missing-key', message: 'no API key for Deepgram' };
    expect(liveStatusLabel(play([{ type: 'session', status: { state: 'failed', error } }]), false)).toMatchObject({ text: 'Could not start', tone: 'error' });
    const after = play([{ type: 'session', status: cascade }, { type: 'session', status: { state: 'failed', error: { code: 'provider/disconnected', message: 'OpenAI dropped' } } }]);
    expect(liveStatusLabel(after, false)).toMatchObject({ text: 'Stopped by a problem', tone: 'error' });
    // Starting again: the failure is history.
    expect(liveStatusLabel(after, true).text).toBe('Starting…');
  });

  it('muted while listening says so instead of "Listening"', () => {
    const v = play([{ type: 'session', status: { ...cascade, muted: true } }]);
    expect(liveStatusLabel(v, false, { muted: true })).toMatchObject({ text: 'Muted', tone: 'idle' });
  });

  it('levels: RMS to 0-100 over -60..0 dBFS; silence is 0, full scale 100', () => {
    expect(levelPercent(0)).toBe(0);
    expect(levelPercent(1)).toBe(100);
    expect(levelPercent(0.001)).toBe(0);
    expect(levelPercent(0.1)).toBe(67);
    expect(levelPercent(4)).toBe(100);
  });
});

describe('plain words on screen', () => {
  it('the running providers by display name and model, not by id', () => {
    const settings = SettingsSchema.parse({ version: SettingsSchema.shape.version.value, providers: { stt: {}, llm: { openai: { model: 'gpt-4.1' } }, tts: {}, s2s: {} } });
    expect(providersLine(cascade, providers, settings)).toBe('Cascade: Deepgram nova-3 → OpenAI gpt-4.1 → OpenAI gpt-4o-mini-tts');
    expect(providersLine({ ...cascade, architecture: 's2s', providers: { s2s: 'moshi' } }, providers, settings)).toBe('Speech-to-speech: Moshi');
    // A provider the list does not know (yet) still shows, by its id.
    expect(providersLine({ ...cascade, providers: { stt: 'whisper', llm: 'openai', tts: 'openai' } }, [], settings)).toBe('Cascade: whisper → openai → openai');
  });

  it('errors without environment-variable names or backticks; the raw message and code go to Details', () => {
    const missing = plainError({ code: 'provider/missing-key', message: 'no API key for Deepgram: set DEEPGRAM_API_KEY or add the key in settings', provider: 'deepgram' });
    expect(missing.text).toBe('no API key for Deepgram: add the key in Settings');
    expect(missing.details).toBe('provider/missing-key: no API key for Deepgram: set DEEPGRAM_API_KEY or add the key in settings');
    const gone = plainError({ message: "Parley's engine has stopped (the `parley serve` process ended). Run `parley serve` again in a terminal." });
    expect(gone.text).toBe("Parley's engine has stopped (the parley serve process ended). Run parley serve again in a terminal.");
    const env = plainError({ code: 'settings/invalid', message: 'the address from PARLEY_DEEPGRAM_URL is not valid' });
    expect(env.text).not.toMatch(/[A-Z]+_[A-Z]+/);
    expect(env.text).toBe('the address from an environment variable is not valid');
    expect(plainError({ code: 'provider/unreachable', message: 'cannot reach Deepgram' })).toEqual({ text: 'cannot reach Deepgram', details: 'provider/unreachable' });
  });

  it('stages by what they do', () => {
    expect(stageName('stt')).toBe('Speech recognition');
    expect(stageName('llm')).toBe('Language model');
    expect(stageName('tts')).toBe('Voice');
    expect(stageName('s2s')).toBe('Speech-to-speech');
    expect(stageName('something-new')).toBe('something-new');
  });
});
