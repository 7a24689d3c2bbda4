/**
 * The browser meeting app (`web/`), served at `/app/`. There is no build step: at start the server bundles
 * `web/app.ts` (with sdk/ and contract/) and `web/app.css` in memory with esbuild and keeps the result; `index.html`
 * is read from disk and points at the bundle with a content hash, so the assets may be cached for good and the page
 * itself is revalidated on every load. One bundle per process (several servers in one test process share it).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));
export const APP_PATH = '/app/';

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
  /** Content hash, the `v` query value index.html uses. */
  version: string;
}

export interface WebBundle {
  index: Asset;
  js: Asset;
  css: Asset;
}

const asset = (text: string | Uint8Array, type: string): Asset => {
  const body = Buffer.from(text);
  const version = createHash('sha256').update(body).digest('base64url').slice(0, 16);
  return { body, type, etag: `"${version}"`, version };
};

/** Bundles the app (minified unless `minify` is false). Throws with esbuild's messages when the sources do not build. */
export async function buildWebBundle(dir = WEB_DIR, minify = true): Promise<WebBundle> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: { app: `${dir}app.ts`, style: `${dir}app.css` },
    bundle: true,
    write: false,
    outdir: '/out',
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'firefox115', 'safari16'],
    minify,
    legalComments: 'none',
    logLevel: 'silent',
    charset: 'utf8',
  });
  const out = (name: string) => {
    const file = result.outputFiles.find((f) => f.path.endsWith(`/${name}`));
    if (!file) throw new Error(`web bundle: esbuild produced no ${name}`);
    return file.contents;
  };
  const js = asset(out('app.js'), 'text/javascript; charset=utf-8');
  const css = asset(out('style.css'), 'text/css; charset=utf-8');
  const html = (await readFile(`${dir}index.html`, 'utf8'))
    .replace('src="app.js"', `src="app.js?v=${js.version}"`)
    .replace('href="app.css"', `href="app.css?v=${css.version}"`);
  return { index: asset(html, 'text/html; charset=utf-8'), js, css };
}

const bundles = new Map<string, Promise<WebBundle>>();

/** The process-wide bundle of `dir`, built on first use. */
export function webBundle(dir = WEB_DIR, minify = true): Promise<WebBundle> {
  const key = `${dir}|${minify}`;
  let bundle = bundles.get(key);
  if (!bundle) {
    bundle = buildWebBundle(dir, minify);
    bundles.set(key, bundle);
  }
  return bundle;
}

/**
 * The page may load its own script and style, talk to its own origin (REST and the signalling WebSocket) and nothing
 * else. Media (camera, microphone, WebRTC) comes with the media capability and needs no extra source here.
 */
const APP_CSP = [
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

export interface WebOptions {
  /** Minify the bundle (default true). */
  minify?: boolean;
  dir?: string;
}

/** GET /app/ (index.html), /app/app.js, /app/app.css; /app redirects to /app/. */
export function webRoutes(app: FastifyInstance, options: WebOptions = {}): void {
  const bundle = webBundle(options.dir, options.minify ?? true);
  // Built in the background from the start; a failure is logged now and answered with 503 on every request.
  bundle.catch((err: unknown) => app.log.error({ err }, 'the browser app (web/) could not be bundled; /app/ answers 503'));

  const serve = (pick: (b: WebBundle) => Asset, page: boolean) => async (request: FastifyRequest, reply: FastifyReply) => {
    let b: WebBundle;
    try {
      b = await bundle;
    } catch {
      return reply.code(503).type('text/plain; charset=utf-8').header('cache-control', 'no-store').send('The browser app is not available on this server.');
    }
    const a = pick(b);
    const { v } = request.query as { v?: string };
    // index.html names the assets by content hash: those URLs never change meaning. Anything else is revalidated.
    const cache = !page && v === a.version ? 'public, max-age=31536000, immutable' : 'no-cache';
    reply.header('cache-control', cache).header('etag', a.etag).header('x-content-type-options', 'nosniff');
    if (page) reply.header('content-security-policy', APP_CSP).header('referrer-policy', 'no-referrer');
    if (request.headers['if-none-match'] === a.etag) return reply.code(304).send();
    return reply.type(a.type).send(a.body);
  };

  app.get('/app', { schema: { hide: true } }, (_request, reply) => reply.redirect(APP_PATH, 301));
  app.get('/app/', { schema: { hide: true } }, serve((b) => b.index, true));
  app.get('/app/index.html', { schema: { hide: true } }, serve((b) => b.index, true));
  app.get('/app/app.js', { schema: { hide: true } }, serve((b) => b.js, false));
  app.get('/app/app.css', { schema: { hide: true } }, serve((b) => b.css, false));
}
