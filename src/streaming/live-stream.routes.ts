import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { errorCatalog } from '../../contract/errors.ts';
import type { DomainErrorKind } from '../kernel/domain-error.ts';
import type { StreamingService } from './streaming.service.ts';

const VIEWER_DIR = fileURLToPath(new URL('../../web/live/', import.meta.url));
const COOKIE = 'convene_live';
const KEY = '[A-Za-z0-9_-]{16,64}';

/** The viewer page may run its own script and play media from its own origin (hls.js feeds the player from blob: URLs). */
const VIEWER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "media-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

let bundle: Promise<{ html: Asset; js: Asset; css: Asset }> | undefined;

/** The viewer (web/live/), bundled once per process with hls.js by esbuild, like the meeting app. */
function viewerBundle(): Promise<{ html: Asset; js: Asset; css: Asset }> {
  bundle ??= (async () => {
    const { build } = await import('esbuild');
    const result = await build({
      entryPoints: { viewer: join(VIEWER_DIR, 'viewer.ts') },
      bundle: true,
      write: false,
      outdir: '/out',
      format: 'esm',
      platform: 'browser',
      target: ['chrome110', 'firefox115', 'safari16'],
      minify: true,
      legalComments: 'none',
      logLevel: 'silent',
    });
    const asset = (body: Buffer, type: string): Asset => ({ body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"` });
    return {
      html: asset(Buffer.from(await readFile(join(VIEWER_DIR, 'viewer.html'))), 'text/html; charset=utf-8'),
      js: asset(Buffer.from(result.outputFiles[0]!.contents), 'text/javascript; charset=utf-8'),
      css: asset(Buffer.from(await readFile(join(VIEWER_DIR, 'viewer.css'))), 'text/css; charset=utf-8'),
    };
  })();
  return bundle;
}

const error = (reply: FastifyReply, kind: DomainErrorKind, message: string, status = errorCatalog[kind].status) =>
  reply.code(status).header('cache-control', 'no-store').type('application/json').send({ error: message, errorCode: errorCatalog[kind].code });

function cookie(request: FastifyRequest): string | undefined {
  for (const part of String(request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === COOKIE) return value.join('=');
  }
  return undefined;
}

/**
 * The live URL `/live/{key}`: the viewer page, `POST /live/{key}/grant` (`{"passcode"}`, or `{}` to renew a grant),
 * and the HLS playlist and segments, which need the grant (a cookie scoped to the stream's path). Not part of the FRTC
 * REST API (no client_id): browsers open it.
 */
export function liveStreamRoutes(app: FastifyInstance, streaming: StreamingService, grantSeconds: number): void {
  viewerBundle().catch((err: unknown) => app.log.error({ err }, 'the live viewer page (web/live/) could not be bundled'));
  const page = (pick: 'html' | 'js' | 'css') => async (request: FastifyRequest, reply: FastifyReply) => {
    const b = await viewerBundle().catch(() => undefined);
    if (!b) return reply.code(503).type('text/plain; charset=utf-8').send('The live viewer is not available on this server.');
    const a = b[pick];
    reply.header('cache-control', 'no-cache').header('etag', a.etag).header('referrer-policy', 'no-referrer');
    if (pick === 'html') reply.header('content-security-policy', VIEWER_CSP);
    if (request.headers['if-none-match'] === a.etag) return reply.code(304).send();
    return reply.type(a.type).send(a.body);
  };
  const key = Type.String({ pattern: `^${KEY}$`, description: 'the stream key of the live URL' });
  const hidden = { hide: true, params: Type.Object({ key }) };
  app.get('/live/:key', { schema: hidden }, page('html'));
  // The page's assets, the same for every stream (the page names them by these absolute paths).
  app.get('/live/_/viewer.js', { schema: { hide: true } }, page('js'));
  app.get('/live/_/viewer.css', { schema: { hide: true } }, page('css'));

  app.post('/live/:key/grant', { schema: hidden }, async (request, reply) => {
    const { key } = request.params as { key: string };
    const body = (request.body ?? {}) as { passcode?: unknown };
    if (body.passcode !== undefined && (typeof body.passcode !== 'string' || body.passcode.length > 32)) return error(reply, 'input.invalid', 'passcode: must be a string of digits');
    const check = await streaming.admit(key, body.passcode as string | undefined, cookie(request), request.ip);
    if (!check.ok) {
      if (check.reason === 'limited') return error(reply, 'rate.limited', check.message);
      if (check.reason === 'unknown') return error(reply, 'notFound', check.message);
      return error(reply, 'permission.denied', check.message);
    }
    const maxAge = Math.max(1, Math.floor((check.grant.expiresAt - Date.now()) / 1000));
    reply.header('set-cookie', `${COOKIE}=${check.grant.value}; Path=/live/${key}/; Max-Age=${Math.min(maxAge, grantSeconds)}; HttpOnly; Secure; SameSite=Strict`);
    return reply.header('cache-control', 'no-store').send({ expires_at: check.grant.expiresAt });
  });

  /** A file of the stream, to a viewer holding a grant. */
  const file = (name: string, type: string) => async (request: FastifyRequest, reply: FastifyReply) => {
    const { key } = request.params as { key: string };
    if (!streaming.granted(key, cookie(request))) return error(reply, 'permission.denied', 'live stream: enter the passcode on the live page first');
    const stream = streaming.find(key)!;
    const path = join(stream.dir, name);
    const size = await stat(path).then((s) => s.size, () => -1);
    if (size < 0) return error(reply, 'notFound', 'live stream: not there (yet); try again in a moment');
    // The playlist changes every second; a segment never changes but is gone a few seconds later: neither is cached.
    return reply.header('cache-control', 'no-store').header('content-length', size).type(type).send(createReadStream(path));
  };
  app.get('/live/:key/index.m3u8', { schema: hidden }, file('index.m3u8', 'application/vnd.apple.mpegurl'));
  app.get(
    '/live/:key/:segment',
    { schema: { hide: true, params: Type.Object({ key, segment: Type.String({ pattern: '^seg-[0-9]{1,20}\\.ts$' }) }) } },
    async (request, reply) => file((request.params as { segment: string }).segment, 'video/mp2t')(request, reply),
  );
}
