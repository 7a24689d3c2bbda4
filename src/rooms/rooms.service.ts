import { randomUUID } from 'node:crypto';
import type { Caller } from '../accounts/caller.ts';
import type { PeopleLookup, Person } from '../accounts/people.ts';
import { demand } from '../accounts/permissions.ts';
import { MAX_PAGE_SIZE, type Paging } from '../accounts/users.service.ts';
import type { Clock } from '../kernel/clock.ts';
import { fail } from '../kernel/domain-error.ts';
import { asUserId } from '../kernel/ids.ts';
import type { LobbyMode } from '../scheduling/meeting.ts';
import { chosenPasscode, generatedPasscode, type PasscodePolicy } from '../scheduling/passcode.ts';
import type { RoomsStore } from './ports.ts';
import { type MeetingRoom, roomName, roomPassword } from './room.ts';

/** A room with the people it names (absent when the account no longer exists). */
export interface RoomView {
  room: MeetingRoom;
  owner?: Person;
  creator?: Person;
}

export interface RoomViewPage {
  rooms: RoomView[];
  total: number;
  pageSize: number;
}

export interface NewRoom {
  name: string;
  ownerId: string;
  /** undefined = generate 6 digits; '' = no password; digits = that password. */
  password?: string | undefined;
  /** undefined = off. */
  lobby?: LobbyMode | undefined;
}

export interface RoomChanges {
  name?: string | undefined;
  ownerId?: string | undefined;
  /** '' removes the password; undefined keeps it. */
  password?: string | undefined;
  lobby?: LobbyMode | undefined;
}

/** `'system'` is the command line: trusted, no signed-in user. */
type Actor = Caller | 'system';

/**
 * Persistent meeting rooms. Everyone signed in sees their own rooms; SystemAdmins create, change and delete rooms;
 * MeetingOperators may read them all (they schedule meetings for others). The meeting number is claimed with the room
 * and released with it; it never changes in between.
 */
export class RoomsService {
  constructor(
    private readonly store: RoomsStore,
    private readonly people: PeopleLookup,
    private readonly clock: Clock,
    private readonly policy: PasscodePolicy,
  ) {}

  /** The caller's own rooms (R1). Without paging, all of them (up to the page cap). */
  async listOwn(caller: Caller, paging: Pick<Paging, 'pageNum' | 'pageSize'> = { pageNum: 1, pageSize: MAX_PAGE_SIZE }): Promise<RoomViewPage> {
    const user = caller.user ?? fail('auth.required', 'token: is required; sign in first');
    const pageSize = Math.min(paging.pageSize, MAX_PAGE_SIZE);
    const page = await this.store.rooms.listByOwner(user.id, (paging.pageNum - 1) * pageSize, pageSize);
    return { rooms: await this.withPeople(page.rooms), total: page.total, pageSize };
  }

  /** Every room, filtered by name or number (SystemAdmin, MeetingOperator). */
  async listAll(caller: Actor, paging: Paging): Promise<RoomViewPage> {
    if (caller !== 'system') this.requireManager(caller);
    const pageSize = Math.min(paging.pageSize, MAX_PAGE_SIZE);
    const page = await this.store.rooms.search(paging.filter, (paging.pageNum - 1) * pageSize, pageSize);
    return { rooms: await this.withPeople(page.rooms), total: page.total, pageSize };
  }

  /** One room, for a SystemAdmin, a MeetingOperator or its owner. */
  async get(caller: Caller, id: string): Promise<RoomView> {
    const user = caller.user ?? fail('auth.required', 'token: is required; sign in first');
    const room = await this.existing(id);
    demand(user, 'room.read', room, 'meeting_room_id: not your room');
    return this.view(room);
  }

  /**
   * The room a meeting names as its meeting_room_id, for the scheduling capability: its owner and the meeting managers
   * (SystemAdmin, MeetingOperator) may hold meetings in it, nobody else.
   */
  async forMeeting(caller: Caller, roomId: string): Promise<MeetingRoom> {
    const user = caller.user ?? fail('auth.required', 'token: is required; sign in first');
    const room = await this.existing(roomId);
    demand(user, 'room.use', room, 'meeting_room_id: only the room\'s owner or an administrator may hold meetings in it');
    return room;
  }

  /** The room holding a meeting number (the command line names rooms by number). */
  async findByNumber(meetingNumber: string): Promise<RoomView> {
    const room = (await this.store.rooms.findByNumber(meetingNumber)) ?? fail('notFound', `meeting_number: no room ${meetingNumber}`);
    return this.view(room);
  }

  async create(caller: Actor, input: NewRoom): Promise<RoomView> {
    if (caller !== 'system') this.requireAdmin(caller);
    const name = roomName(input.name);
    const password = input.password === undefined ? generatedPasscode(this.policy) : chosenPasscode(roomPassword(input.password), this.policy);
    await this.requireOwner(input.ownerId);
    const now = this.clock.now();
    const id = randomUUID();
    const room = await this.store.transaction(async (tx) => {
      const created: MeetingRoom = {
        id,
        meetingNumber: await tx.numbers.claim('room', id),
        name,
        password,
        lobby: input.lobby ?? 'off',
        ownerId: asUserId(input.ownerId),
        creatorId: caller === 'system' ? '' : (caller.user?.id ?? ''),
        createdAt: now,
        updatedAt: now,
      };
      await tx.rooms.insert(created);
      return created;
    });
    return this.view(room);
  }

  /** Renames, reassigns or changes the password; the meeting number stays. */
  async update(caller: Actor, id: string, changes: RoomChanges): Promise<RoomView> {
    if (caller !== 'system') this.requireAdmin(caller);
    const name = changes.name === undefined ? undefined : roomName(changes.name);
    const password = changes.password === undefined ? undefined : roomPassword(changes.password);
    if (changes.ownerId !== undefined) await this.requireOwner(changes.ownerId);
    const room = await this.store.transaction(async (tx) => {
      const found = await this.existing(id, tx);
      if (password !== undefined) chosenPasscode(password, this.policy, found.password);
      const updated: MeetingRoom = {
        ...found,
        ...(name !== undefined ? { name } : {}),
        ...(password !== undefined ? { password } : {}),
        ...(changes.lobby !== undefined ? { lobby: changes.lobby } : {}),
        ...(changes.ownerId !== undefined ? { ownerId: asUserId(changes.ownerId) } : {}),
        updatedAt: this.clock.now(),
      };
      await tx.rooms.update(updated);
      // A room's meetings use the room's password: people who know the room's new password can join them.
      if (password !== undefined && password !== found.password) await tx.usage.changePassword(found.id, password, this.clock.now());
      return updated;
    });
    return this.view(room);
  }

  /** Deletes the room and frees its number; refused while meetings that have not ended use it. */
  async delete(caller: Actor, id: string): Promise<void> {
    if (caller !== 'system') this.requireAdmin(caller);
    const now = this.clock.now();
    await this.store.transaction(async (tx) => {
      const room = await this.existing(id, tx);
      const { meetings, series } = await tx.usage.upcoming(room.id, now);
      if (meetings > 0 || series > 0) {
        const what = [meetings > 0 ? `${meetings} upcoming meeting(s)` : '', series > 0 ? `${series} recurring series` : '']
          .filter(Boolean)
          .join(' and ');
        fail('operation.forbidden', `meeting_room_id: room ${room.meetingNumber} is used by ${what}; delete them or move them to another room first`);
      }
      await tx.usage.detachEnded(room.id, now);
      await tx.rooms.delete(room.id);
      await tx.numbers.release(room.meetingNumber, room.id);
    });
  }

  private async existing(id: string, store: RoomsStore = this.store): Promise<MeetingRoom> {
    return (await store.rooms.findById(id)) ?? fail('notFound', `meeting_room_id: no room ${id}`);
  }

  private async requireOwner(ownerId: string): Promise<void> {
    if (!(await this.people.byIds([ownerId])).has(ownerId)) fail('input.invalid', `owner_id: no user ${ownerId}`);
  }

  private requireAdmin(caller: Caller): void {
    const user = caller.user ?? fail('auth.required', 'token: is required; sign in first');
    demand(user, 'room.manage', undefined, 'only a SystemAdmin may manage meeting rooms');
  }

  private requireManager(caller: Caller): void {
    const user = caller.user ?? fail('auth.required', 'token: is required; sign in first');
    demand(user, 'room.read', undefined, 'only a SystemAdmin or MeetingOperator may list all meeting rooms');
  }

  private async view(room: MeetingRoom): Promise<RoomView> {
    return (await this.withPeople([room]))[0]!;
  }

  private async withPeople(rooms: MeetingRoom[]): Promise<RoomView[]> {
    const people = await this.people.byIds(rooms.flatMap((r) => [r.ownerId, r.creatorId]).filter((id) => id !== ''));
    return rooms.map((room) => {
      const owner = people.get(room.ownerId);
      const creator = people.get(room.creatorId);
      return { room, ...(owner ? { owner } : {}), ...(creator ? { creator } : {}) };
    });
  }
}
