import { describe, expect, it } from 'vitest';
import { isRetryable } from '../../../../electron/engine/errors.js';
import { gradiumError, gradiumUrl } from '../../../../electron/engine/providers/stt/gradium.js';
import { spokenWords } from '../../../../electron/engine/providers/tts/gradium.js';

describe('Gradium wire helpers', () => {
  it('builds the endpoint from a host, a region host, or the full endpoint URL', () => {
    expect(gradiumUrl('wss://api.gradium.ai', '/api/speech/asr')).toBe('wss://api.gradium.ai/api/speech/asr');
    expect(gradiumUrl('wss://eu.api.gradium.ai/', '/api/speech/tts')).toBe('wss://eu.api.gradium.ai/api/speech/tts');
    expect(gradiumUrl('wss://us.api.gradium.ai/api/speech/asr', '/api/speech/asr')).toBe('wss://us.api.gradium.ai/api/speech/asr');
    // One PARLEY_GRADIUM_URL serves both: the STT endpoint given, the TTS one is derived.
    expect(gradiumUrl('wss://eu.api.gradium.ai/api/speech/asr', '/api/speech/tts')).toBe('wss://eu.api.gradium.ai/api/speech/tts');
  });

  it('maps the error message by code: 1008 key (final), 1008 policy (final), 1008 timeout and 1011 (retryable)', () => {
    const key = gradiumError('gradium', 'API key is revoked or expired', 1008);
    expect(key).toMatchObject({ code: 'provider/invalid-key', message: 'invalid API key for Gradium: API key is revoked or expired' });
    expect(gradiumError('gradium', 'invalid input_format', 1008)).toMatchObject({ code: 'provider/bad-request' });
    expect(isRetryable(gradiumError('gradium', 'timeout: no message received', 1008))).toBe(true);
    expect(isRetryable(gradiumError('gradium', 'internal server error', 1011))).toBe(true);
    expect(isRetryable(key)).toBe(false);
  });

  it('counts the words the TTS reports back: whitespace-separated, tags left out', () => {
    expect(spokenWords('Hello,  world! <flush>')).toEqual(['Hello,', 'world!']);
    expect(spokenWords('Wait <break time="1s" /> here')).toEqual(['Wait', 'here']);
    expect(spokenWords(' <flush> ')).toEqual([]);
  });
});
