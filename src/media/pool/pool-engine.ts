import { DomainError } from '../../kernel/domain-error.ts';
import { SafeEmitter } from '../../kernel/events.ts';
import type { MediaEngine, MediaEngineEvents } from '../engine.ts';
import type { Report } from '../ipc/channel.ts';
import type { WorkerPool } from './pool.ts';

/**
 * MediaEngine over a WorkerPool: worker ids and IPC errors stay here; the live domain sees rooms, DomainErrors and
 * `roomsLost`. The pool's lifecycle (start, close) belongs to the composition root.
 */
export class PoolMediaEngine implements MediaEngine {
  private readonly events: SafeEmitter<MediaEngineEvents>;

  constructor(
    private readonly pool: WorkerPool,
    report: Report = (error, context) => console.error(`${context}:`, error),
  ) {
    this.events = new SafeEmitter((error, event) => report(error, `MediaEngine listener of ${event}`));
    pool.on('workerDied', ({ roomIds, reason }) => {
      if (roomIds.length > 0) this.events.emit('roomsLost', { roomIds, reason: `media worker lost: ${reason}` });
    });
  }

  async openRoom(roomId: string): Promise<void> {
    try {
      await this.pool.openRoom(roomId);
    } catch (error) {
      throw new DomainError('service.unavailable', `media is not available: ${(error as Error).message}`);
    }
  }

  async closeRoom(roomId: string): Promise<void> {
    try {
      await this.pool.closeRoom(roomId);
    } catch {
      // The room is gone from the pool either way; a worker that failed to answer is caught by the health ping.
    }
  }

  on<K extends keyof MediaEngineEvents>(event: K, listener: (payload: MediaEngineEvents[K]) => void): () => void {
    return this.events.on(event, listener);
  }
}
