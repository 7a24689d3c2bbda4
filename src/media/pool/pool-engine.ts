import { DomainError } from '../../kernel/domain-error.ts';
import { SafeEmitter } from '../../kernel/events.ts';
import type { MediaEngine, MediaEngineEvents, MediaTransport, RecorderSpec, RtpLegSettings, RoomPolicy, SubscribeOffer } from '../engine.ts';
import type { Report } from '../ipc/channel.ts';
import { IpcRemoteError } from '../ipc/errors.ts';
import type { WorkerSide } from '../ipc/messages.ts';
import type { WorkerPool } from './pool.ts';

type Requests = WorkerSide['requests'];

/** The deadline of startRecorder (the placeholder picture and ffmpeg's start). */
const RECORDER_START_MS = 20_000;

/**
 * MediaEngine over a WorkerPool: worker ids and IPC errors stay here; the live domain sees rooms, DomainErrors and
 * `roomsLost`. The pool's lifecycle (start, close) belongs to the composition root.
 */
export class PoolMediaEngine implements MediaEngine {
  private readonly events: SafeEmitter<MediaEngineEvents>;

  constructor(
    private readonly pool: WorkerPool,
    private readonly report: Report = (error, context) => console.error(`${context}:`, error),
  ) {
    this.events = new SafeEmitter((error, event) => report(error, `MediaEngine listener of ${event}`));
    pool.on('workerDied', ({ roomIds, reason }) => {
      if (roomIds.length > 0) this.events.emit('roomsLost', { roomIds, reason: `media worker lost: ${reason}` });
    });
    pool.on('slots', (payload) => this.events.emit('slots', payload));
    pool.on('speaker', (payload) => this.events.emit('speaker', payload));
    pool.on('recorder', (payload) => this.events.emit('recorder', payload));
    pool.on('rtpSilent', (payload) => this.events.emit('rtpSilent', payload));
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

  setPolicy(roomId: string, policy: RoomPolicy): void {
    this.call('setPolicy', { roomId, policy }).catch((error: unknown) => this.report(error, `media policy of room ${roomId}`));
  }

  async publish(roomId: string, participantId: string, sdp: string, transport: MediaTransport = { kind: 'webrtc' }): Promise<string> {
    return (await this.call('publish', { roomId, participantId, sdp, transport })).sdp;
  }

  async offerRtp(roomId: string, participantId: string, leg: RtpLegSettings): Promise<string> {
    return (await this.call('offerRtp', { roomId, participantId, leg })).sdp;
  }

  async acceptRtp(roomId: string, participantId: string, sdp: string): Promise<void> {
    await this.call('acceptRtp', { roomId, participantId, sdp });
  }

  subscribe(roomId: string, participantId: string): Promise<SubscribeOffer> {
    return this.call('subscribe', { roomId, participantId });
  }

  async accept(roomId: string, participantId: string, sdp: string): Promise<void> {
    await this.call('accept', { roomId, participantId, sdp });
  }

  async startRecorder(roomId: string, spec: RecorderSpec): Promise<void> {
    // Setting a recorder up (the placeholder picture, ports, ffmpeg's start) takes longer than a signalling request.
    await this.call('startRecorder', { roomId, recorder: spec }, RECORDER_START_MS);
  }

  async stopRecorder(roomId: string, recorderId: string): Promise<void> {
    if (this.pool.workerOf(roomId) === undefined) return;
    await this.call('stopRecorder', { roomId, recorderId });
  }

  /** Packet counters of a room (diagnostics and tests). */
  stats(roomId: string): Promise<Requests['roomStats']['result']> {
    return this.call('roomStats', { roomId });
  }

  on<K extends keyof MediaEngineEvents>(event: K, listener: (payload: MediaEngineEvents[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  /** A request to the worker holding the room; the caller's mistakes become 400s, everything else 503. */
  private async call<M extends keyof Requests & string>(method: M, params: Requests[M]['params'] & { roomId: string }, timeoutMs?: number): Promise<Requests[M]['result']> {
    const worker = this.pool.workerOf(params.roomId);
    if (worker === undefined) throw new DomainError('service.unavailable', 'media is not available for this meeting now; reconnect');
    try {
      return await this.pool.request(worker, method, params, timeoutMs ? { timeoutMs } : undefined);
    } catch (error) {
      if (error instanceof IpcRemoteError && error.remoteName === 'BadMediaRequest') throw new DomainError('input.invalid', error.message.replace(/^.*?BadMediaRequest: /, ''));
      if (error instanceof IpcRemoteError && error.remoteName === 'RecorderFailed') throw new DomainError('service.unavailable', error.message.replace(/^.*?RecorderFailed: /, ''));
      throw new DomainError('service.unavailable', `media is not available: ${(error as Error).message}`);
    }
  }
}
