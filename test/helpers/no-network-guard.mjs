// Preloaded into a child `parley` (node --import) by tests that expect no connection at all.
import { installNetworkGuard } from './network-guard.mjs';

installNetworkGuard(() => false);
