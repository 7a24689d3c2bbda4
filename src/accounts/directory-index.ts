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

/**
 * The user directory in memory: every account's summary in the database's `username_key` order, loaded on first use
 * and again after `invalidate()` or the TTL, and searched here instead of with two `LIKE '%…%'` scans per request.
 * Same semantics as the SQL search: a case-insensitive substring of the username or the real name (both keys are
 * lower-cased with JavaScript's full Unicode `toLowerCase`, as is the filter), ordered by `username_key`, paged by
 * offset and limit, with the total of matches.
 */
export class DirectoryIndex {
  private entries: DirectoryEntry[] | undefined;
  private loadedAt = 0;
  private generation = 0;
  private loading: { generation: number; promise: Promise<DirectoryEntry[]> } | undefined;

  constructor(
    /** Every account, ordered by username_key. */
    private readonly load: () => Promise<DirectoryEntry[]>,
    private readonly now: () => number = () => performance.now(),
    private readonly ttlMs = DIRECTORY_TTL_MS,
  ) {}

  /** Users were written: the next search reads them again (and a load already running is not kept). */
  invalidate(): void {
    this.generation++;
    this.entries = undefined;
  }

  async search(filter: string, offset: number, limit: number): Promise<UserSummaryPage> {
    const entries = await this.snapshot();
    const users: UserSummary[] = [];
    const end = offset + limit;
    if (filter === '') {
      for (let i = offset; i < end && i < entries.length; i++) users.push({ ...entries[i]!.summary });
      return { users, total: entries.length };
    }
    const needle = filter.toLowerCase();
    let total = 0;
    for (const e of entries) {
      if (!e.usernameKey.includes(needle) && !e.realNameKey.includes(needle)) continue;
      if (total >= offset && total < end) users.push({ ...e.summary });
      total++;
    }
    return { users, total };
  }

  private snapshot(): Promise<DirectoryEntry[]> | DirectoryEntry[] {
    if (this.entries && this.now() - this.loadedAt < this.ttlMs) return this.entries;
    // Concurrent searches share one load, unless users were written after it started.
    if (this.loading?.generation === this.generation) return this.loading.promise;
    const generation = this.generation;
    const startedAt = this.now();
    const promise = this.load().then((entries) => {
      // A load that overlapped a write may hold the rows from before it: it answers its own callers, nobody later.
      if (this.generation === generation) {
        this.entries = entries;
        this.loadedAt = startedAt;
      }
      return entries;
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
