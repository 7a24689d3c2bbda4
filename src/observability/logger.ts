import type { LoggerOptions } from 'pino';

/** Query parameters that carry credentials (the FRTC apps put the token in every URL). */
const SENSITIVE_QUERY = /([?&](?:token|user_token|secret|secret_old|secret_new|password|live_password)=)[^&#]*/gi;

export const redactUrl = (url: string): string => url.replace(SENSITIVE_QUERY, '$1[REDACTED]');

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
