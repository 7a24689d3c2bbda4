/**
 * The browser pages, served with no build step: the meeting app (`web/`, at `/app/`) and the web console
 * (`web/console/`, at `/console/`). At start the server bundles each page's script (with sdk/, contract/ and
 * web/shared/) and style in memory with esbuild and keeps the result; each page's `index.html` is read from disk and
 * points at its bundle with a content hash, so the assets may be cached for good and the page itself is revalidated on
 * every load. One bundle per page and process (several servers in one test process share it).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));
export const APP_PATH = '/app/';
export const CONSOLE_PATH = '/console/';

/** One browser page: `<dir><name>.ts`, `<dir><name>.css` and `<dir>index.html`, served under `path`. */
export interface BrowserPage {
  /** Mount point with both slashes, e.g. `/app/`. */
  path: string;
  /** Folder of the page's files, ending in `/`. */
  dir: string;
  /** Base name of the entry script and style: the assets are `<path><name>.js` and `<path><name>.css`. */
  name: string;
  /** What the 503 page says when the page could not be bundled. */
  title: string;
}

export const MEETING_APP: BrowserPage = { path: APP_PATH, dir: WEB_DIR, name: 'app', title: 'The browser app' };
export const WEB_CONSOLE: BrowserPage = { path: CONSOLE_PATH, dir: `${WEB_DIR}console/`, name: 'console', title: 'The web console' };

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

/** Bundles a page (minified unless `minify` is false). Throws with esbuild's messages when the sources do not build. */
export async function buildWebBundle(page: BrowserPage = MEETING_APP, minify = true): Promise<WebBundle> {
  const { build } = await import('esbuild');
  const { dir, name } = page;
  const result = await build({
    entryPoints: { [name]: `${dir}${name}.ts`, style: `${dir}${name}.css` },
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
  const out = (file: string) => {
    const found = result.outputFiles.find((f) => f.path.endsWith(`/${file}`));
    if (!found) throw new Error(`web bundle: esbuild produced no ${file}`);
    return found.contents;
  };
  const js = asset(out(`${name}.js`), 'text/javascript; charset=utf-8');
  const css = asset(out('style.css'), 'text/css; charset=utf-8');
  const html = (await readFile(`${dir}index.html`, 'utf8'))
    .replace(`src="${name}.js"`, `src="${name}.js?v=${js.version}"`)
    .replace(`href="${name}.css"`, `href="${name}.css?v=${css.version}"`);
  return { index: asset(html, 'text/html; charset=utf-8'), js, css };
}

const bundles = new Map<string, Promise<WebBundle>>();

/** The process-wide bundle of `page`, built on first use. */
export function webBundle(page: BrowserPage = MEETING_APP, minify = true): Promise<WebBundle> {
  const key = `${page.dir}|${page.name}|${minify}`;
  let bundle = bundles.get(key);
  if (!bundle) {
    bundle = buildWebBundle(page, minify);
    bundles.set(key, bundle);
  }
  return bundle;
}

/**
 * The pages may load their own script and style, talk to their own origin (REST and the signalling WebSocket) and
 * nothing else. Media (camera, microphone, WebRTC) needs no extra source here.
 */
const PAGE_CSP = [
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
  /** Minify the bundles (default true). */
  minify?: boolean;
  /** The pages to serve (default: the meeting app and the console). */
  pages?: BrowserPage[];
}

/**
 * For each page: GET `<path>` and `<path>index.html` (the page), `<path><name>.js`, `<path><name>.css`; the path
 * without its slash redirects to it. `/` redirects to the console, where people sign in and find their meetings.
 */
export function webRoutes(app: FastifyInstance, options: WebOptions = {}): void {
  for (const page of options.pages ?? [MEETING_APP, WEB_CONSOLE]) servePage(app, page, options.minify ?? true);
  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.redirect(CONSOLE_PATH, 302));
}

function servePage(app: FastifyInstance, page: BrowserPage, minify: boolean): void {
  const bundle = webBundle(page, minify);
  // Built in the background from the start; a failure is logged now and answered with 503 on every request.
  bundle.catch((err: unknown) => app.log.error({ err }, `${page.title} (${page.dir}) could not be bundled; ${page.path} answers 503`));

  const serve = (pick: (b: WebBundle) => Asset, isPage: boolean) => async (request: FastifyRequest, reply: FastifyReply) => {
    let b: WebBundle;
    try {
      b = await bundle;
    } catch {
      return reply.code(503).type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(`${page.title} is not available on this server.`);
    }
    const a = pick(b);
    const { v } = request.query as { v?: string };
    // index.html names the assets by content hash: those URLs never change meaning. Anything else is revalidated.
    const cache = !isPage && v === a.version ? 'public, max-age=31536000, immutable' : 'no-cache';
    reply.header('cache-control', cache).header('etag', a.etag).header('x-content-type-options', 'nosniff');
    if (isPage) reply.header('content-security-policy', PAGE_CSP).header('referrer-policy', 'no-referrer');
    if (request.headers['if-none-match'] === a.etag) return reply.code(304).send();
    return reply.type(a.type).send(a.body);
  };

  const hidden = { schema: { hide: true } };
  app.get(page.path.slice(0, -1), hidden, (_request, reply) => reply.redirect(page.path, 301));
  app.get(page.path, hidden, serve((b) => b.index, true));
  app.get(`${page.path}index.html`, hidden, serve((b) => b.index, true));
  app.get(`${page.path}${page.name}.js`, hidden, serve((b) => b.js, false));
  app.get(`${page.path}${page.name}.css`, hidden, serve((b) => b.css, false));
}
