/**
 * What a console page gets (PageContext) and how hash routes (`#/meetings`, `#/series/<id>?page=2`) find their page.
 * Hash routes need nothing from the server: the console is one page at /console/.
 */
import type { Session } from './session.ts';

export interface PageContext {
  session: Session;
  /** The page's content area; the page replaces its children. */
  main: HTMLElement;
  /** `:name` parts of the route. */
  params: Record<string, string>;
  /** The query after `?` in the hash. */
  query: URLSearchParams;
  /** Aborted when the reader leaves the page: pages stop polling and ignore late answers. */
  signal: AbortSignal;
  /** Sets the document title (the console's name is added). */
  title(text: string): void;
}

export type Render = (ctx: PageContext) => void | Promise<void>;

export interface Route {
  /** `/meetings`, `/meeting/:id/edit` … */
  pattern: string;
  render: Render;
  /** Who the page is offered to in the navigation; the API decides what they may really do. */
  audience?: 'operator' | 'admin';
}

/** The route matching a hash path, with its parameters. */
export function matchRoute(routes: readonly Route[], path: string): { route: Route; params: Record<string, string> } | undefined {
  const parts = path.split('/').filter(Boolean);
  for (const route of routes) {
    const pattern = route.pattern.split('/').filter(Boolean);
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const ok = pattern.every((p, i) => {
      if (p.startsWith(':')) {
        try {
          params[p.slice(1)] = decodeURIComponent(parts[i]!);
        } catch {
          return false;
        }
        return true;
      }
      return p === parts[i];
    });
    if (ok) return { route, params };
  }
  return undefined;
}

/** `#/path?query` → path and query. */
export function parseHash(hash: string): { path: string; query: URLSearchParams } {
  const raw = hash.replace(/^#/, '');
  const q = raw.indexOf('?');
  return { path: q < 0 ? raw || '/' : raw.slice(0, q) || '/', query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}

/** A hash link with an optional query (empty values left out). */
export function href(path: string, query: Record<string, string | number | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return `#${path}${s ? `?${s}` : ''}`;
}

export function go(path: string, query: Record<string, string | number | undefined> = {}): void {
  location.hash = href(path, query);
}

/** Runs `tick` now and then every `ms` while the page is shown and the tab visible; stops when the page is left. */
export function poll(signal: AbortSignal, ms: number, tick: () => Promise<void>): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  const run = async () => {
    if (signal.aborted) return;
    running = true;
    if (document.visibilityState === 'visible') await tick().catch(() => undefined);
    running = false;
    if (!signal.aborted) timer = setTimeout(() => void run(), ms);
  };
  const visible = () => {
    if (document.visibilityState !== 'visible' || signal.aborted || running) return;
    clearTimeout(timer);
    void run();
  };
  document.addEventListener('visibilitychange', visible);
  signal.addEventListener('abort', () => {
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', visible);
  });
  void run();
}
