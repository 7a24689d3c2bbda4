/**
 * A typed event emitter whose emit cannot be broken by a listener: a listener that throws (or returns a promise that
 * rejects) is reported and the remaining listeners still run, as in mediasoup's EnhancedEventEmitter. Pure: no Node
 * APIs, so ports (media/engine.ts) and domain code may use it.
 */
export type Listener<T> = (payload: T) => void | Promise<void>;

/** Where a failing listener is reported: the event name and what it threw. */
export type ListenerErrorReport = (error: unknown, event: string) => void;

export class SafeEmitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<Listener<never>>>();

  constructor(private readonly report: ListenerErrorReport) {}

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => {
      set.delete(listener as Listener<never>);
    };
  }

  /** Calls every listener of the event with the payload, in the order they were added; never throws. */
  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        const result = (listener as Listener<Events[K]>)(payload);
        if (result instanceof Promise) result.catch((error: unknown) => this.safeReport(error, event));
      } catch (error) {
        this.safeReport(error, event);
      }
    }
  }

  listenerCount(event: keyof Events): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  removeAll(): void {
    this.listeners.clear();
  }

  private safeReport(error: unknown, event: keyof Events): void {
    try {
      this.report(error, String(event));
    } catch {
      // A broken reporter must not break the emitter either.
    }
  }
}
