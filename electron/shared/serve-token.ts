/**
 * How a page of `parley serve` proves it holds the access token: it offers two WebSocket
 * subprotocols, `parley` (the one the server selects and echoes) and `parley-token.<token>`. A
 * header, unlike a URL, is never written to history, logs or a Referer. Tokens are base64url,
 * which fits the subprotocol syntax (an HTTP token).
 */
export const SERVE_PROTOCOL = 'parley';
export const SERVE_TOKEN_PROTOCOL_PREFIX = 'parley-token.';

export function serveProtocols(token: string): string[] {
  return [SERVE_PROTOCOL, `${SERVE_TOKEN_PROTOCOL_PREFIX}${token}`];
}
