import type { RecorderEvent, RecorderSpec, RoomPolicy, SlotAssignment } from '../engine.ts';
import { Recorder, type RecorderSettings } from '../recorder/recorder.ts';
import type { IceSettings } from '../sfu/peer-config.ts';
import { BadMediaRequest } from '../sfu/bad-request.ts';
import { SfuRoom } from '../sfu/sfu-room.ts';

export interface RoomsEvents {
  slots(roomId: string, participantId: string, assignment: SlotAssignment): void;
  speaker(roomId: string, participantId: string): void;
  recorder(roomId: string, recorderId: string, event: RecorderEvent): void;
  rtpSilent(roomId: string, participantId: string): void;
  report(error: unknown, context: string): void;
}

/** ffmpeg could not be started for a recorder (missing, or refused at once). */
export class RecorderFailed extends Error {
  override name = 'RecorderFailed';
}


/** The SFU rooms a media worker hosts, by room id (the live session id). */
export class WorkerRooms {
  private readonly rooms = new Map<string, SfuRoom>();
  /** Every recorder whose ffmpeg has not ended, also after its room closed (it is finishing its file). */
  private readonly recorders = new Map<string, Recorder>();

  constructor(
    private readonly ice: IceSettings,
    private readonly events: RoomsEvents,
    private readonly recording: RecorderSettings,
  ) {}

  /** Idempotent: opening an open room returns it. */
  open(roomId: string): SfuRoom {
    let room = this.rooms.get(roomId);
    if (!room) {
      room = new SfuRoom(
        roomId,
        this.ice,
        {
          slots: (viewer, assignment) => this.events.slots(roomId, viewer, assignment),
          speaker: (id) => this.events.speaker(roomId, id),
          rtpSilent: (id) => this.events.rtpSilent(roomId, id),
        },
        (error, context) => this.events.report(error, `room ${roomId}: ${context}`),
      );
      this.rooms.set(roomId, room);
    }
    return room;
  }

  /** Idempotent: closing an unknown room does nothing. */
  close(roomId: string): void {
    const room = this.rooms.get(roomId);
    if (!room) return;
    this.rooms.delete(roomId);
    room.close();
  }

  /** The open room, or a BadMediaRequest. */
  get(roomId: string): SfuRoom {
    const room = this.rooms.get(roomId);
    if (!room) throw new BadMediaRequest(`room ${roomId} is not open on this worker`);
    return room;
  }

  setPolicy(roomId: string, policy: RoomPolicy): void {
    this.get(roomId).setPolicy(policy);
  }

  get count(): number {
    return this.rooms.size;
  }

  /** Starts a recorder in the room; see WorkerSide.startRecorder. */
  async startRecorder(roomId: string, spec: RecorderSpec): Promise<void> {
    const room = this.get(roomId);
    if (!room.lists(spec.id)) throw new BadMediaRequest(`recorderId: ${spec.id} is not in the room's policy`);
    if (this.recorders.has(spec.id)) throw new BadMediaRequest(`recorderId: ${spec.id} is running already`);
    let recorder: Recorder;
    try {
      recorder = await Recorder.start(
        spec,
        this.recording,
        (event) => {
          if (event.kind === 'ended') this.recorders.delete(spec.id);
          this.events.recorder(roomId, spec.id, event);
        },
        (error, context) => this.events.report(error, `room ${roomId}: ${context}`),
      );
    } catch (error) {
      throw new RecorderFailed(error instanceof Error ? error.message : String(error));
    }
    this.recorders.set(spec.id, recorder);
    // The room may have closed, or dropped the recorder from its policy, while ffmpeg started.
    const now = this.rooms.get(roomId);
    if (now === room && room.lists(spec.id)) room.attach(recorder);
    else recorder.detach();
  }

  /** Asks the recorder to finish (see WorkerSide.stopRecorder). */
  stopRecorder(roomId: string, recorderId: string): void {
    this.rooms.get(roomId)?.detach(recorderId);
    this.recorders.get(recorderId)?.detach();
  }

  closeAll(): void {
    for (const id of [...this.rooms.keys()]) this.close(id);
  }

  /**
   * The worker is exiting: every recorder finishes (they were detached with their rooms) for at most `ms`; ffmpegs
   * still running then are killed (what they wrote is repaired when the recording is finalised).
   */
  async finishRecorders(ms: number): Promise<void> {
    const running = [...this.recorders.values()];
    for (const r of running) r.detach();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([Promise.all(running.map((r) => r.ffmpeg.stop())), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
    for (const r of running) r.ffmpeg.kill();
  }
}
