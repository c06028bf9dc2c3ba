/** Settings as a person calls them, for notices ("the silence that ends your turn", not "turnTaking.minSilenceMs"). */
const NAMES: Record<string, string> = {
  version: 'the file format version',
  architecture: 'the conversation type (cascade or speech-to-speech)',
  cascade: 'the chosen providers',
  'cascade.stt': 'the speech-to-text provider',
  'cascade.llm': 'the language model provider',
  'cascade.tts': 'the voice provider',
  'cascade.fallbackLlm': 'the fallback language model',
  'cascade.fallbackTts': 'the fallback voice',
  providers: "the providers' settings",
  s2s: 'the speech-to-speech settings',
  's2s.provider': 'the speech-to-speech model',
  's2s.transcribeUser': 'transcribing your side in speech-to-speech',
  systemPrompt: 'the system prompt',
  toolsEnabled: 'the tools switch',
  offlineOnly: 'offline-only mode',
  turnTaking: 'the turn-taking settings',
  'turnTaking.vadThreshold': 'the speech detection threshold',
  'turnTaking.minSilenceMs': 'the silence that ends your turn',
  'turnTaking.bargeIn': 'interrupting Parley while it speaks',
  'turnTaking.endOfTurn': 'how the end of your turn is decided',
  'turnTaking.completeWaitMs': 'the wait when you sound done',
  'turnTaking.uncertainWaitMs': 'the wait when unsure',
  'turnTaking.maxWaitMs': 'the longest wait for an unfinished sentence',
  'turnTaking.preemptive': 'preparing the reply early',
  'turnTaking.smartTurn': 'Smart Turn',
  'turnTaking.minInterruptionMs': 'the speech that interrupts Parley',
  'turnTaking.falseInterruptionMs': 'the wait before a paused reply resumes',
  audio: 'the audio devices',
  'audio.inputDeviceId': 'the microphone',
  'audio.outputDeviceId': 'the speaker',
  mode: 'hands-free or push-to-talk',
  pushToTalkShortcut: 'the push-to-talk shortcut',
};

const KINDS: Record<string, string> = { stt: 'speech-to-text', llm: 'language model', tts: 'voice', s2s: 'speech-to-speech' };

export function describeSettingPath(at: readonly string[]): string {
  const key = at.join('.');
  if (NAMES[key]) return NAMES[key];
  if (at[0] === 'providers' && at[1] && KINDS[at[1]]) {
    return at[2] ? `the ${at[2]} ${KINDS[at[1]]} settings` : `the ${KINDS[at[1]]} providers' settings`;
  }
  return `the setting ${key}`;
}
