import { serveProtocols } from '../../electron/shared/serve-token';

const STORAGE_KEY = 'parley-serve-token';
let token: string | undefined;

/**
 * The access token of a page opened from `parley serve`. It arrives once in the URL's fragment
 * (`#token=...`, which browsers never send to a server nor put in a Referer), is kept in this tab's
 * sessionStorage (a reload keeps working; no cookie, so no other server on 127.0.0.1 ever gets it),
 * and the address bar and history are cleaned at once.
 */
export function takeServeToken(): string | undefined {
  if (token !== undefined) return token;
  const fromUrl = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromUrl) {
    sessionStorage.setItem(STORAGE_KEY, fromUrl);
    history.replaceState(history.state, '', `${location.pathname}${location.search}`);
  }
  token = fromUrl ?? sessionStorage.getItem(STORAGE_KEY) ?? undefined;
  return token;
}

/** The WebSocket subprotocols that carry the token to the engine (see electron/shared/serve-token.ts). */
export function engineProtocols(): string[] {
  return serveProtocols(takeServeToken() ?? '');
}
