import type { RoomPolicy, SlotAssignment } from '../engine.ts';
import type { IceSettings } from '../sfu/peer-config.ts';
import { BadMediaRequest } from '../sfu/bad-request.ts';
import { SfuRoom } from '../sfu/sfu-room.ts';

export interface RoomsEvents {
  slots(roomId: string, participantId: string, assignment: SlotAssignment): void;
  speaker(roomId: string, participantId: string): void;
  report(error: unknown, context: string): void;
}


/** The SFU rooms a media worker hosts, by room id (the live session id). */
export class WorkerRooms {
  private readonly rooms = new Map<string, SfuRoom>();

  constructor(
    private readonly ice: IceSettings,
    private readonly events: RoomsEvents,
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

  closeAll(): void {
    for (const id of [...this.rooms.keys()]) this.close(id);
  }
}
