import type { TLSSocket } from 'node:tls';
import type { FastifyInstance } from 'fastify';

/**
 * A year, the usual HSTS lifetime. No includeSubDomains: Convene answers for its own host name and does not own the
 * parent domain, whose other hosts may still need plain HTTP; no preload for the same reason.
 */
const HSTS = 'max-age=31536000';
const NOT_FRAMED = "frame-ancestors 'none'";

/**
 * The header policy every response shares, in one place:
 * - `Strict-Transport-Security` on responses sent over TLS (not on the plain-HTTP port: the proxy in front of it
 *   speaks TLS to the browser and adds its own);
 * - no page may be framed (clickjacking): `X-Frame-Options: DENY` and a CSP `frame-ancestors 'none'`, added to a
 *   route's own Content-Security-Policy when it has one without that directive;
 * - `X-Content-Type-Options: nosniff`.
 */
export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if ((request.raw.socket as Partial<TLSSocket> | null)?.encrypted === true) reply.header('strict-transport-security', HSTS);
    reply.header('x-frame-options', 'DENY').header('x-content-type-options', 'nosniff');
    const csp = reply.getHeader('content-security-policy');
    if (csp === undefined) reply.header('content-security-policy', NOT_FRAMED);
    else if (!String(csp).includes('frame-ancestors')) reply.header('content-security-policy', `${String(csp)}; ${NOT_FRAMED}`);
    return payload;
  });
}
