/** Barge-in settings. */
export interface BargeInOptions {
  /** Duration of one VAD frame (ms). */
  frameMs: number;
  /** Speech probability a frame needs to count toward confirming the barge-in. Default 0.5. */
  threshold?: number;
  /**
   * Lower probability that is enough to pause playback (suspect). Soft onsets score 0.35-0.5 for a
   * frame or two before Silero is sure; pausing on them is cheap. Default 0.35.
   */
  onsetThreshold?: number;
  /**
   * Consecutive speech frames that pause playback (suspected barge-in). Default 1: pausing costs
   * little (a false alarm resumes after `releaseFrames`), while every frame of delay is heard as
   * the assistant talking over the user.
   */
  onsetFrames?: number;
  /**
   * Speech since onset (ms) that confirms the barge-in and cancels the reply, once the STT has heard
   * words that are not a backchannel ("wait, ..." but not "mm-hmm"). Default 500, as LiveKit's
   * minimum interruption: a "yeah" or a cough pauses the reply and never cuts it.
   */
  confirmMs?: number;
  /** Speech since onset (ms) that confirms without any words (the STT is slow or hears nothing). Default 1000. */
  confirmWithoutWordsMs?: number;
  /**
   * After words that are not a backchannel, the reply stays paused through a short silence, waiting
   * for the user's turn to be decided; it resumes if no turn follows within this long (ms). Default
   * 2000, as LiveKit's false-interruption timeout.
   */
  falseInterruptionMs?: number;
  /** Consecutive non-speech frames that release a suspicion and resume playback. Default 5 (160 ms). */
  releaseFrames?: number;
  /**
   * Echo guard: a frame counts only if the microphone's RMS is at least this fraction of the RMS of
   * what is playing. The OS echo canceller (renderer: echoCancellation) removes most of the
   * assistant's voice; what leaks through is typically 20 dB or more below the playback level, while
   * a user talking over it is not. Default 0.1 (-20 dB).
   */
  echoGain?: number;
}

export type BargeInDecision = 'suspect' | 'confirm' | 'release' | null;

/** What the STT heard since the onset: nothing yet, only backchannels ("mm-hmm"), or real words. */
export type HeardWords = 'none' | 'backchannel' | 'words';

/**
 * Decides, frame by frame while the assistant speaks, whether the user is talking over it: a short
 * onset pauses playback at once (so the user is not talked over for long); speech with real words
 * (or long speech) confirms and cancels the reply; a cough, a click or a backchannel ("mm-hmm",
 * "yeah") releases the pause so the reply resumes.
 */
export class BargeInDetector {
  private readonly config: Required<BargeInOptions>;
  private state: 'idle' | 'suspected' | 'confirmed' = 'idle';
  private run = 0;
  /** Confident speech frames within the current onset run. */
  private runSpeech = 0;
  private silentRun = 0;
  private speechSinceOnset = 0;
  private heard: HeardWords = 'none';

  constructor(options: BargeInOptions) {
    this.config = { threshold: 0.5, onsetThreshold: 0.35, onsetFrames: 1, confirmMs: 500, confirmWithoutWordsMs: 1000, falseInterruptionMs: 2000, releaseFrames: 5, echoGain: 0.1, ...options };
  }

  /** The STT's words since the onset, classified (see isBackchannel). Only a suspicion listens. */
  hear(words: HeardWords): BargeInDecision {
    if (this.state !== 'suspected') return null;
    this.heard = words;
    return this.confirmed() ? 'confirm' : null;
  }

  get suspected(): boolean {
    return this.state === 'suspected';
  }

  /** One frame: its speech probability, the mic RMS and the RMS of the audio playing meanwhile. */
  process(probability: number, micRms: number, playbackRms: number): BargeInDecision {
    const loudEnough = micRms >= this.config.echoGain * playbackRms;
    const onset = loudEnough && probability >= Math.min(this.config.onsetThreshold, this.config.threshold);
    const speech = loudEnough && probability >= this.config.threshold;
    switch (this.state) {
      case 'idle':
        this.run = onset ? this.run + 1 : 0;
        this.runSpeech = onset ? this.runSpeech + (speech ? 1 : 0) : 0;
        if (this.run >= this.config.onsetFrames) {
          this.state = 'suspected';
          this.speechSinceOnset = this.runSpeech;
          this.silentRun = 0;
          return this.confirmed() ? 'confirm' : 'suspect';
        }
        return null;
      case 'suspected':
        if (onset) this.silentRun = 0;
        if (speech) {
          this.speechSinceOnset++;
          return this.confirmed() ? 'confirm' : null;
        }
        if (onset) return null;
        this.silentRun++;
        // Real words: hold the pause while the user's turn is decided, up to the false-interruption timeout.
        if (this.silentRun >= (this.heard === 'words' ? Math.ceil(this.config.falseInterruptionMs / this.config.frameMs) : this.config.releaseFrames)) {
          this.reset();
          return 'release';
        }
        return null;
      case 'confirmed':
        return null;
    }
  }

  reset(): void {
    this.state = 'idle';
    this.run = 0;
    this.runSpeech = 0;
    this.silentRun = 0;
    this.speechSinceOnset = 0;
    this.heard = 'none';
  }

  private confirmed(): boolean {
    const speechMs = this.speechSinceOnset * this.config.frameMs;
    if (speechMs < (this.heard === 'words' ? this.config.confirmMs : this.config.confirmWithoutWordsMs)) return false;
    this.state = 'confirmed';
    return true;
  }
}
