import type { UserId } from '../kernel/ids.ts';
import type { ExpiryLimits, Session } from './ports.ts';
import type { User } from './user.ts';

export interface Authenticated {
  session: Session;
  user: User;
}

/**
 * How long a cached session may answer without asking the database. Every write through this process's store that
 * changes what an entry says removes it at once, so this bounds only how long a write made elsewhere — the CLI's
 * `convene user lock` in another process on the same database — stays unseen. 10 s keeps that window short for a
 * security-relevant change while a busy client's requests still almost all come from memory.
 */
export const SESSION_CACHE_TTL_MS = 10_000;

/** Bounds the memory (one user row per entry); the oldest entry goes first. */
export const SESSION_CACHE_MAX_ENTRIES = 10_000;

interface Entry {
  value: Authenticated;
  storedAt: number;
}

/**
 * Authenticated sessions by token hash: what `sessions.findWithUser` read, kept for a short time. The domain's expiry
 * still works on the cached session — idle time on its `lastUsedAt` (which `touch` keeps current), the absolute
 * lifetime on its `createdAt` — by the domain clock, not this cache's: a cached answer never outlives its token.
 *
 * A fill (`begin` … database read … `put`) that overlapped any invalidation is dropped: it may have read the rows
 * before the write that invalidated them.
 */
export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  private generation = 0;

  constructor(
    /** Monotonic milliseconds for the TTL; real time, independent of the domain's (possibly manual) clock. */
    private readonly now: () => number = () => performance.now(),
    private readonly ttlMs = SESSION_CACHE_TTL_MS,
    private readonly maxEntries = SESSION_CACHE_MAX_ENTRIES,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** A copy of the cached entry, or undefined when there is none or it is older than the TTL. */
  get(tokenHash: string): Authenticated | undefined {
    const entry = this.entries.get(tokenHash);
    if (!entry) return undefined;
    if (this.now() - entry.storedAt >= this.ttlMs) {
      this.entries.delete(tokenHash);
      return undefined;
    }
    return copy(entry.value);
  }

  /** Marks the start of a database read whose result may be `put`. */
  begin(): number {
    return this.generation;
  }

  /** Stores what a read begun at `generation` found, unless something was invalidated since. */
  put(tokenHash: string, value: Authenticated, generation: number): void {
    if (generation !== this.generation) return;
    this.entries.delete(tokenHash);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(tokenHash, { value: copy(value), storedAt: this.now() });
  }

  /** The session was used at `at` (what `sessions.touch` wrote). */
  touch(tokenHash: string, at: number): void {
    const entry = this.entries.get(tokenHash);
    if (entry) entry.value = { session: { ...entry.value.session, lastUsedAt: at }, user: entry.value.user };
  }

  forgetToken(tokenHash: string): void {
    this.generation++;
    this.entries.delete(tokenHash);
  }

  /** Every cached session of the user: its row or its set of sessions changed. */
  forgetUser(id: UserId): void {
    this.generation++;
    for (const [hash, entry] of this.entries) if (entry.value.user.id === id) this.entries.delete(hash);
  }

  /** The sessions `sessions.deleteExpired(limits)` removed. */
  forgetExpired(limits: ExpiryLimits): void {
    this.generation++;
    for (const [hash, entry] of this.entries) {
      const { lastUsedAt, createdAt } = entry.value.session;
      if (lastUsedAt < limits.usedBefore || createdAt < limits.createdBefore) this.entries.delete(hash);
    }
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }
}

/** Callers get their own objects: nothing they do to them can change what the next request is told. */
const copy = (v: Authenticated): Authenticated => ({ session: { ...v.session }, user: { ...v.user } });
