// Preloaded into a child `parley` (node --import) by tests where only this machine may be reached
// (a local LLM on 127.0.0.1): a connect to any other host, or a DNS lookup, is refused.
import { installNetworkGuard } from './network-guard.mjs';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;
installNetworkGuard((host) => LOOPBACK.test(host));
