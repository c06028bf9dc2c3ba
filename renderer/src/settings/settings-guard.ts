// (Pure TypeScript: the unit tests typecheck it under Node too.)
// The unsaved-changes guard between the settings screen and the app's navigation: the screen
// registers how to ask (Save / Discard / Stay) while it is shown; the nav asks before it leaves.

/** What the user chose when leaving with unsaved edits. */
export type LeaveChoice = 'save' | 'discard' | 'stay';

/** Resolves true when leaving may go ahead (nothing unsaved, saved, or discarded). */
type Ask = () => Promise<boolean>;

let current: Ask | undefined;

/** Called by the settings screen while it is shown; returns the unregister function. */
export function registerSettingsGuard(ask: Ask): () => void {
  current = ask;
  return () => {
    if (current === ask) current = undefined;
  };
}

/**
 * For the app's navigation: true when it may leave Settings now (no unsaved edits, or the user
 * saved or discarded them), false when the user chose to stay (or the save was refused).
 */
export function confirmLeaveSettings(): Promise<boolean> {
  return current ? current() : Promise.resolve(true);
}

/**
 * Settings edited since the engine last gave them. A field typed and cleared again, or a provider's
 * empty settings, are no change (the engine keeps the same).
 */
export function hasUnsavedChanges(edited: unknown, saved: unknown): boolean {
  return saved !== undefined && JSON.stringify(canonical(edited)) !== JSON.stringify(canonical(saved));
}

/** Keys sorted, undefined values and empty objects left out. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.keys(value)
    .sort()
    .map((k) => [k, canonical((value as Record<string, unknown>)[k])] as const)
    .filter(([, v]) => v !== undefined && !(typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0));
  return entries.length === 0 ? undefined : Object.fromEntries(entries);
}
