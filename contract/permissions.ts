/**
 * Who may do what, once: the server's services decide with this table (src/accounts/permissions.ts), operations name
 * the permission they need (Operation.permission, shown in the OpenAPI document), and the security-matrix test derives
 * its expectations from it. A new role or a co-host is a change here, not in every capability.
 *
 * A permission is held by everyone with one of its `roles`; when `owner` is true, also by the owner of the resource it
 * is checked against (the meeting, series or room). Checked without a resource, only the roles count.
 */
export type RoleName = 'Normal' | 'MeetingOperator' | 'SystemAdmin';

export type Permission =
  | 'account.manage'
  | 'room.manage'
  | 'room.read'
  | 'room.use'
  | 'meeting.read'
  | 'meeting.manage'
  | 'meeting.host'
  | 'meeting.stream'
  | 'recording.read'
  | 'recording.delete'
  | 'callRate.high'
  | 'system.read';

export interface PermissionRule {
  roles: readonly RoleName[];
  owner: boolean;
  description: string;
}

const MANAGERS: readonly RoleName[] = ['MeetingOperator', 'SystemAdmin'];

export const PERMISSIONS: Readonly<Record<Permission, PermissionRule>> = {
  'account.manage': { roles: ['SystemAdmin'], owner: false, description: 'create, change, lock, reset and delete accounts' },
  'room.manage': { roles: ['SystemAdmin'], owner: false, description: 'create, change and delete meeting rooms' },
  'room.read': { roles: MANAGERS, owner: true, description: 'read a meeting room (without a room: list every room)' },
  'room.use': { roles: MANAGERS, owner: true, description: 'hold meetings in a meeting room' },
  // Invited people and people who added the meeting by link may read it too; the scheduling queries decide that.
  'meeting.read': { roles: MANAGERS, owner: true, description: 'read a scheduled meeting or series' },
  'meeting.manage': { roles: MANAGERS, owner: true, description: 'change or delete a scheduled meeting or series' },
  'meeting.host': { roles: MANAGERS, owner: true, description: 'host a live meeting: the control API (recording included), its history' },
  // The apps show the live button to MeetingOperator and SystemAdmin only, also to owners (client contract §9).
  'meeting.stream': { roles: MANAGERS, owner: false, description: 'start and stop live streaming of a meeting' },
  // The owner is the owner of the recorded meeting (when it was recorded).
  'recording.read': { roles: MANAGERS, owner: true, description: 'list, read and download recordings (without a recording: every recording)' },
  'recording.delete': { roles: MANAGERS, owner: true, description: 'delete a recording' },
  'callRate.high': { roles: MANAGERS, owner: false, description: 'schedule 6144K and 8192K call rates' },
  'system.read': { roles: ['SystemAdmin'], owner: false, description: 'read how the server runs: database, media workers' },
};

/** "SystemAdmin", "MeetingOperator, SystemAdmin or the owner": the rule in words, for the API documentation. */
export function describePermission(permission: Permission): string {
  const rule = PERMISSIONS[permission];
  const who = [...rule.roles, ...(rule.owner ? ['the owner'] : [])];
  const list = who.length > 1 ? `${who.slice(0, -1).join(', ')} or ${who[who.length - 1]}` : who[0]!;
  return `Requires ${list} (${permission}: ${rule.description}).`;
}
