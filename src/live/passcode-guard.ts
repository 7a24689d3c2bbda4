/**
 * Limits wrong meeting passcodes, per participant (client_id + meeting) and per network address across meetings, over
 * a sliding window: reconnecting does not reset the count, and one machine cannot try many client ids.
 */
export class PasscodeGuard {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limits: { perClient: number; perAddress: number; windowMs: number },
  ) {}

  /** Attempts left for this client on this meeting (0 = blocked). */
  attemptsLeft(meetingNumber: string, clientId: string, address: string, now: number): number {
    const byClient = this.limits.perClient - this.recent(`c:${meetingNumber}:${clientId}`, now);
    const byAddress = this.limits.perAddress - this.recent(`a:${address}`, now);
    return Math.max(0, Math.min(byClient, byAddress));
  }

  recordFailure(meetingNumber: string, clientId: string, address: string, now: number): void {
    for (const key of [`c:${meetingNumber}:${clientId}`, `a:${address}`]) {
      const list = this.failures.get(key) ?? [];
      list.push(now);
      this.failures.set(key, list);
    }
  }

  /** Drops expired entries (called from the periodic sweep so the map cannot grow without bound). */
  prune(now: number): void {
    for (const key of [...this.failures.keys()]) this.recent(key, now);
  }

  private recent(key: string, now: number): number {
    const list = this.failures.get(key);
    if (!list) return 0;
    const fresh = list.filter((t) => now - t < this.limits.windowMs);
    if (fresh.length === 0) this.failures.delete(key);
    else this.failures.set(key, fresh);
    return fresh.length;
  }
}
