import { useLayoutEffect, useRef } from 'react';
import { plainError, stageName, type TurnView } from './model';

/**
 * The conversation, newest at the bottom. Follows new text unless the user scrolled up to read
 * (then it stays put until they come back down).
 */
export function Transcript({ turns, partial, hint }: { turns: TurnView[]; partial: string; /** What the empty transcript says (see transcriptHint). */ hint: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  useLayoutEffect(() => {
    const el = ref.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  });
  return (
    <div
      ref={ref}
      className="transcript"
      role="log"
      aria-label="Conversation"
      aria-live="polite"
      tabIndex={0}
      onScroll={(e) => {
        const el = e.currentTarget;
        pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
      }}
    >
      {turns.length === 0 && !partial && <p className="transcript__empty">{hint}</p>}
      {turns.map((t) => (
        <Turn key={t.id} turn={t} />
      ))}
      {partial && (
        // On the user's side from its first word, where the final text will stand (a turn's layout).
        <div className="turn turn--pending" data-testid="user-partial">
          <p className="bubble bubble--user bubble--partial">
            <span className="visually-hidden">You (still speaking): </span>
            {partial}
          </p>
        </div>
      )}
    </div>
  );
}

function Turn({ turn }: { turn: TurnView }) {
  return (
    <article className="turn" aria-label={`Turn ${turn.id}`}>
      <p className="bubble bubble--user">
        <span className="visually-hidden">You: </span>
        {turn.user}
      </p>
      {turn.tools.map((tool) => (
        <details key={tool.callId} className="tool">
          <summary>
            {tool.ok === undefined ? '⋯' : tool.ok ? '✓' : '✗'} {tool.name}
          </summary>
          <code>{JSON.stringify(tool.arguments)}</code>
          {tool.result !== undefined && <code> → {tool.result}</code>}
        </details>
      ))}
      {(turn.assistant || turn.interrupted) && (
        <p className={`bubble bubble--assistant${turn.speaking ? ' bubble--speaking' : ''}${turn.interrupted ? ' bubble--interrupted' : ''}`} data-testid="assistant-text">
          <span className="visually-hidden">Parley: </span>
          {turn.assistant}
          {turn.interrupted && <span className="tag">interrupted</span>}
        </p>
      )}
      {turn.errors.map((e, i) => (
        <p key={i} className="turn__error" role="alert">
          {stageName(e.stage)}: {plainError(e.error).text}
        </p>
      ))}
    </article>
  );
}
