/**
 * The rooms a media worker hosts. For now a room is only an entry in a Map, so the process infrastructure (placement,
 * health, death handling) can be built and tested before the SFU exists.
 *
 * SEAM for issue #5: `Room` becomes the werift router of one meeting — the participants' RTCPeerConnections, their
 * published tracks and the forwarding from publications to subscriptions. `close()` then closes that tree (transports,
 * producers, consumers) the way mediasoup's Router.close() cascades, and the new requests in messages.ts
 * (connect participant with an SDP offer, set forwarding policy…) are served by methods on Room found through
 * `WorkerRooms.get(roomId)`.
 */
export class Room {
  constructor(readonly id: string) {}

  close(): void {
    // Nothing to release yet: the werift router will close its transports here.
  }
}

export class WorkerRooms {
  private readonly rooms = new Map<string, Room>();

  /** Idempotent: opening an open room returns it. */
  open(roomId: string): Room {
    let room = this.rooms.get(roomId);
    if (!room) this.rooms.set(roomId, (room = new Room(roomId)));
    return room;
  }

  /** Idempotent: closing an unknown room does nothing. */
  close(roomId: string): void {
    const room = this.rooms.get(roomId);
    if (!room) return;
    this.rooms.delete(roomId);
    room.close();
  }

  get(roomId: string): Room | undefined {
    return this.rooms.get(roomId);
  }

  get count(): number {
    return this.rooms.size;
  }

  closeAll(): void {
    for (const id of [...this.rooms.keys()]) this.close(id);
  }
}
