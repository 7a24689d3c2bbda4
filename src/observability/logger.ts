import { redactQuery } from './redact-query.ts';
import type { LoggerOptions } from 'pino';

/** The URL as it may be logged: credentials in the query are replaced (redact-query.ts). */
export const redactUrl = (url: string): string => redactQuery(url);

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
        url: redactUrl(req.url),
        remoteAddress: req.ip ?? req.socket?.remoteAddress,
      }),
    },
  };
}
