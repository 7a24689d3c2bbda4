import { redactQuery } from './redact-query.ts';
import type { LoggerOptions } from 'pino';

/** The URL as it may be logged: credentials in the query are replaced (redact-query.ts). */
export const redactUrl = (url: string): string => redactQuery(url);

/**
 * Paths whose segment after the prefix is a meeting link key: holding a key is the invitation (it gives the meeting's
 * password), so it is a credential like a token. Matched on the percent-decoded path, ignoring case and repeated
 * slashes, so that spellings which do not reach the route (`/J/…`, `/api/v1/m%74/…`) are redacted as well.
 */
const LINK_KEY_PATH = /^(\/+(?:j|api\/+v1\/+mt|api\/+v1\/+calendar|api\/+v1\/+meeting_list\/+(?:add|remove))\/+).+/i;

/** The URL with everything after such a prefix (the key and whatever follows it) replaced; the query is left to redactUrl. */
export function redactLinkKeys(url: string): string {
  const end = url.search(/[?#]/);
  const path = end === -1 ? url : url.slice(0, end);
  // Byte-wise, so that a malformed escape elsewhere cannot stop the match (only the ASCII prefix has to be read).
  const decoded = path.replace(/%([0-9a-f]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return LINK_KEY_PATH.test(decoded) ? decoded.replace(LINK_KEY_PATH, '$1[REDACTED]') + url.slice(path.length) : url;
}

/** JSON logs with credentials removed from URLs and from any logged object. */
export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        '*.token',
        '*.user_token',
        '*.secret',
        '*.secret_old',
        '*.secret_new',
        '*.password',
        '*.adminPassword',
        '*.databaseUrl',
        '*.metricsToken',
      ],
      censor: '[REDACTED]',
    },
    serializers: {
      req: (req: { method: string; url: string; ip?: string; socket?: { remoteAddress?: string } }) => ({
        method: req.method,
        url: redactUrl(redactLinkKeys(req.url)),
        remoteAddress: req.ip ?? req.socket?.remoteAddress,
      }),
    },
  };
}
