import type { CSSProperties, ReactNode } from 'react';
import { levelPercent, type LiveStatus } from './model';
import { useLiveStore } from './store';
import './voice.css';

/**
 * Who is speaking, at a glance and in words: a ring that follows the active voice (yours or
 * Parley's), the state as text (a live status for screen readers), and both levels as meters.
 * Under prefers-reduced-motion the ring does not move (see voice.css); the meters still read true.
 */
export function VoicePresence({ status, providers, actions, children }: { status: LiveStatus; providers?: string; /** Buttons that fix what the state says is wrong. */ actions?: ReactNode; /** Push-to-talk's hold button, when that is the mode. */ children?: ReactNode }) {
  // The levels change up to 25 times a second: only this component listens to them.
  const micLevel = useLiveStore((s) => s.micLevel);
  const outLevel = useLiveStore((s) => s.outLevel);
  const muted = useLiveStore((s) => s.muted);
  const you = muted ? 0 : levelPercent(micLevel);
  const parley = levelPercent(outLevel);
  const active = status.speaker === 'user' ? you : status.speaker === 'assistant' ? parley : 0;
  return (
    <section className={`voice voice--${status.tone} voice--${status.speaker}`} aria-label="Voice">
      <div className="voice-orb" aria-hidden="true" style={{ '--voice-level': active / 100 } as CSSProperties}>
        <span className="voice-orb__ring" />
        <span className="voice-orb__core" />
      </div>
      <div className="voice-text">
        <div className="voice-state" role="status" aria-live="polite" data-testid="conversation-state">
          <span className="voice-state__text">{status.text}</span>
          {actions}
        </div>
        {status.advice && <p className="voice-advice">{status.advice}</p>}
        {providers && (
          <p className="voice-providers" data-testid="running-providers">
            {providers}
          </p>
        )}
      </div>
      <div className="voice-meters">
        <Meter label="Microphone level" caption={muted ? 'You (muted)' : 'You'} value={you} tone="user" />
        <Meter label="Parley's voice level" caption="Parley" value={parley} tone="assistant" />
      </div>
      {children}
    </section>
  );
}

function Meter({ label, caption, value, tone }: { label: string; caption: string; value: number; tone: 'user' | 'assistant' }) {
  return (
    <div className="voice-meter">
      <span className="voice-meter__caption" aria-hidden="true">
        {caption}
      </span>
      <div className={`voice-meter__track voice-meter__track--${tone}`} role="meter" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={value}>
        <div className="voice-meter__fill" style={{ width: `${value}%` }} />
      </div>
    </div>
  );
}
