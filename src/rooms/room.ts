import { fail } from '../kernel/domain-error.ts';
import type { UserId } from '../kernel/ids.ts';
import type { LobbyMode } from '../scheduling/meeting.ts';

/**
 * A persistent meeting room: a meeting number and password that stay the same until an administrator changes them,
 * owned by one person who may hold meetings in it (client contract §2.2 R1). Only administrators create, rename,
 * reassign and delete rooms.
 */
export interface MeetingRoom {
  id: string;
  meetingNumber: string;
  name: string;
  /** Digits, or '' for no password. */
  password: string;
  /** Who waits in the lobby of the room's meetings until a host admits them. */
  lobby: LobbyMode;
  ownerId: UserId;
  /** The administrator who created it; '' when created from the command line. */
  creatorId: string;
  createdAt: number;
  updatedAt: number;
}

export const ROOM_NAME_MAX = 128;
export const ROOM_PASSWORD_MAX = 16;

/** Trims the name and checks it is 1–128 characters; the message names the wire field. */
export function roomName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '') fail('input.invalid', 'meetingroom_name: must not be empty');
  if (trimmed.length > ROOM_NAME_MAX) fail('input.tooLong', `meetingroom_name: must be at most ${ROOM_NAME_MAX} characters`);
  return trimmed;
}

/** '' (no password) or 1–16 digits. */
export function roomPassword(password: string): string {
  if (password.length > ROOM_PASSWORD_MAX) fail('input.tooLong', `meeting_password: must be at most ${ROOM_PASSWORD_MAX} digits`);
  if (!/^[0-9]*$/.test(password)) fail('input.format', 'meeting_password: must be digits only, or "" for none');
  return password;
}
