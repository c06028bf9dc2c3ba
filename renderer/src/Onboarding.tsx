import type { EngineInfo } from '../../electron/shared/ipc';
import { welcomeText, type MissingKey } from './onboarding-model';

export { missingKeys } from './onboarding-model';

/** First run: explain the two ways to get going instead of failing with "no API key". */
export function Onboarding({ missing, keyStorage, onOpenSettings }: { missing: MissingKey[]; keyStorage: EngineInfo['keyStorage']; onOpenSettings: () => void }) {
  const text = welcomeText(keyStorage, missing);
  return (
    <section className="onboarding" aria-labelledby="onboarding-title">
      <h2 id="onboarding-title">Welcome to Parley</h2>
      <p>Parley listens, thinks and answers out loud. Some steps can run on this computer, the others use a cloud service:</p>
      <ul>
        <li>{text.cloud}</li>
        <li>{text.local}</li>
      </ul>
      <p>{text.needed}</p>
      <button type="button" onClick={onOpenSettings}>
        Open settings
      </button>
    </section>
  );
}
