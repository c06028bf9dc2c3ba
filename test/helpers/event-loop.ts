// Waiting without timers, for tests whose time is a ManualClock: the work waited for (I/O on
// loopback, promise chains) is already under way, so turning the event loop is enough.

/** One turn of the event loop. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Turns the event loop until `condition` holds; fails (naming `what`) if it never does within `maxTurns`. */
export async function untilTrue(condition: () => boolean, what: string, maxTurns = 1_000_000): Promise<void> {
  for (let i = 0; i < maxTurns; i++) {
    if (condition()) return;
    await nextTurn();
  }
  throw new Error(`never happened: ${what}`);
}

/** Turns the event loop `turns` times: whatever was going to happen without time moving has happened. */
export async function settleTurns(turns = 50): Promise<void> {
  for (let i = 0; i < turns; i++) await nextTurn();
}

/** Tracks a promise's outcome, so a test can check it is still pending. */
export function outcomeOf(promise: Promise<unknown>): { readonly state: 'pending' | 'resolved' | 'rejected'; readonly error: unknown } {
  const o = { state: 'pending' as 'pending' | 'resolved' | 'rejected', error: undefined as unknown };
  promise.then(
    () => (o.state = 'resolved'),
    (e: unknown) => {
      o.state = 'rejected';
      o.error = e;
    },
  );
  return o;
}
