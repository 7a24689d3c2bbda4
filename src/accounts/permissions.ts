import { type Permission, PERMISSIONS } from '../../contract/permissions.ts';
import { fail } from '../kernel/domain-error.ts';
import type { User } from './user.ts';

export type { Permission } from '../../contract/permissions.ts';

/** Whether the user holds the permission, over `resource` when given (its owner may hold it too, see the table). */
export function may(user: Pick<User, 'id' | 'role'>, permission: Permission, resource?: { ownerId: string }): boolean {
  const rule = PERMISSIONS[permission];
  if (rule.roles.includes(user.role)) return true;
  return rule.owner && resource !== undefined && resource.ownerId === user.id;
}

/** Fails with 403 (`permission.denied`, the given message) unless the user holds the permission. */
export function demand(user: Pick<User, 'id' | 'role'>, permission: Permission, resource: { ownerId: string } | undefined, message: string): void {
  if (!may(user, permission, resource)) fail('permission.denied', message);
}
