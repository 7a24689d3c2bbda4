import type { UserSummary, UserSummaryPage } from './ports.ts';

/** One account as the directory searches it: the summary and the lower-cased keys stored next to it. */
export interface DirectoryEntry {
  summary: UserSummary;
  usernameKey: string;
  realNameKey: string;
}

/**
 * How long a loaded directory answers before it is read again. In-process writes to users reload it at once; this
 * bounds how long accounts created, renamed or deleted by another process (the CLI) stay unseen.
 */
export const DIRECTORY_TTL_MS = 30_000;

/** A loaded directory, prepared for the search (see `search`). */
interface Loaded {
  entries: DirectoryEntry[];
  /** Every entry's `usernameKey NUL realNameKey NUL`, in entry order: one string to scan for filters of 1–2 characters. */
  keys: string;
  /** Where each entry's part of `keys` starts, and at the end the length of `keys`. */
  starts: Int32Array;
  /** Each three-character piece of any key → the entries (ascending) whose username or real name key contains it. */
  trigrams: Map<string, number[]>;
  /** Pages already answered from this snapshot, by filter, offset and limit (the same object again: do not change). */
  pages: Map<string, UserSummaryPage>;
}

/** Pages kept per snapshot: the apps page through the directory while inviting, often with the same filters. */
const PAGES_KEPT = 256;

function prepare(entries: DirectoryEntry[]): Loaded {
  const starts = new Int32Array(entries.length + 1);
  const parts: string[] = [];
  const trigrams = new Map<string, number[]>();
  const index = (key: string, i: number) => {
    for (let at = 0; at + 3 <= key.length; at++) {
      const gram = key.slice(at, at + 3);
      const list = trigrams.get(gram);
      if (!list) trigrams.set(gram, [i]);
      else if (list[list.length - 1] !== i) list.push(i);
    }
  };
  let at = 0;
  entries.forEach((e, i) => {
    starts[i] = at;
    const part = `${e.usernameKey}\u0000${e.realNameKey}\u0000`;
    parts.push(part);
    at += part.length;
    index(e.usernameKey, i);
    index(e.realNameKey, i);
  });
  starts[entries.length] = at;
  return { entries, keys: parts.join(''), starts, trigrams, pages: new Map() };
}

/**
 * The user directory in memory: every account's summary in the database's `username_key` order, loaded on first use
 * and again after `invalidate()` or the TTL, with a trigram index of the keys, and searched here instead of with two
 * `LIKE '%…%'` scans per request. Memory: roughly the summaries plus one list entry per distinct three-character
 * piece of each key (a few MB for 10 000 accounts).
 * Same semantics as the SQL search: a case-insensitive substring of the username or the real name (both keys are
 * lower-cased with JavaScript's full Unicode `toLowerCase`, as is the filter), ordered by `username_key`, paged by
 * offset and limit, with the total of matches.
 */
export class DirectoryIndex {
  private loaded: Loaded | undefined;
  private loadedAt = 0;
  private generation = 0;
  private loading: { generation: number; promise: Promise<Loaded> } | undefined;

  constructor(
    /** Every account, ordered by username_key. */
    private readonly load: () => Promise<DirectoryEntry[]>,
    private readonly now: () => number = () => performance.now(),
    private readonly ttlMs = DIRECTORY_TTL_MS,
  ) {}

  /** Users were written: the next search reads them again (and a load already running is not kept). */
  invalidate(): void {
    this.generation++;
    this.loaded = undefined;
  }

  /** A page of the search; the same page object for the same question until the directory is loaded again. */
  async search(filter: string, offset: number, limit: number): Promise<UserSummaryPage> {
    const loaded = await this.snapshot();
    const key = `${offset}\u0000${limit}\u0000${filter}`;
    const kept = loaded.pages.get(key);
    if (kept) return kept;
    const page = searchIn(loaded, filter, offset, limit);
    if (loaded.pages.size >= PAGES_KEPT) loaded.pages.delete(loaded.pages.keys().next().value!);
    loaded.pages.set(key, page);
    return page;
  }

  private snapshot(): Promise<Loaded> | Loaded {
    if (this.loaded && this.now() - this.loadedAt < this.ttlMs) return this.loaded;
    // Concurrent searches share one load, unless users were written after it started.
    if (this.loading?.generation === this.generation) return this.loading.promise;
    const generation = this.generation;
    const startedAt = this.now();
    const promise = this.load().then((entries) => {
      const loaded = prepare(entries);
      // A load that overlapped a write may hold the rows from before it: it answers its own callers, nobody later.
      if (this.generation === generation) {
        this.loaded = loaded;
        this.loadedAt = startedAt;
      }
      return loaded;
    });
    const loading = { generation, promise };
    this.loading = loading;
    const done = () => {
      if (this.loading === loading) this.loading = undefined;
    };
    promise.then(done, done);
    return promise;
  }
}

/** The search itself (see DirectoryIndex). */
function searchIn({ entries, keys, starts, trigrams }: Loaded, filter: string, offset: number, limit: number): UserSummaryPage {
  const users: UserSummary[] = [];
  const end = offset + limit;
  if (filter === '') {
    for (let i = offset; i < end && i < entries.length; i++) users.push({ ...entries[i]!.summary });
    return { users, total: entries.length };
  }
  const needle = filter.toLowerCase();
  let total = 0;
  const match = (i: number) => {
    if (total >= offset && total < end) users.push({ ...entries[i]!.summary });
    total++;
  };
  const contains = (e: DirectoryEntry) => e.usernameKey.includes(needle) || e.realNameKey.includes(needle);

  if (needle.length >= 3) {
    // A key holding the filter holds each of its three-character pieces: only the entries listed under the rarest
    // piece can match, and they are checked one by one (in order, so the page and the total come out as before).
    let candidates: number[] | undefined;
    for (let at = 0; at + 3 <= needle.length; at++) {
      const list = trigrams.get(needle.slice(at, at + 3));
      if (!list) return { users, total };
      if (!candidates || list.length < candidates.length) candidates = list;
    }
    for (const i of candidates!) if (contains(entries[i]!)) match(i);
    return { users, total };
  }
  if (needle.includes('\u0000')) {
    // Cannot happen through the API (NUL is refused at the boundary), and the NULs in `keys` would mislead.
    entries.forEach((e, i) => contains(e) && match(i));
    return { users, total };
  }
  // One native substring scan over all keys instead of two per entry. A match cannot span a NUL, so it lies within
  // one key of the entry whose part it starts in; the scan then resumes at the next entry, so each counts once.
  let i = 0;
  for (let pos = keys.indexOf(needle); pos !== -1; pos = keys.indexOf(needle, starts[i]!)) {
    i = entryAt(starts, pos, i);
    match(i);
    i++;
  }
  return { users, total };
}

/** The entry whose part of the keys holds `pos`: the last i with starts[i] <= pos, searched from `from` on. */
function entryAt(starts: Int32Array, pos: number, from: number): number {
  let lo = from;
  let hi = starts.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid]! <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
