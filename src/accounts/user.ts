import type { UserId } from '../kernel/ids.ts';

export const ROLES = ['Normal', 'MeetingOperator', 'SystemAdmin'] as const;
export type Role = (typeof ROLES)[number];
export type SecurityLevel = 'NORMAL' | 'HIGH';

export interface User {
  id: UserId;
  username: string;
  realName: string;
  email: string;
  department: string;
  mobile: string;
  role: Role;
  securityLevel: SecurityLevel;
  secretHash: string;
  locked: boolean;
  /** Raised by an administrator's unlock: sign-in freeze counts kept under an older epoch no longer apply. */
  freezeEpoch: number;
  /**
   * The latest end (domain clock) of a freeze of some address out of this account, or of the account-wide hold on
   * unfamiliar addresses: someone has been guessing its password. 0 = none.
   */
  frozenUntil: number;
  passwordChangedAt: number;
  createdAt: number;
  updatedAt: number;
}

/** Editable profile fields, as the administrator supplies them. */
export interface UserProfileInput {
  username?: string;
  realName?: string;
  email?: string;
  department?: string;
  mobile?: string;
  role?: Role;
  securityLevel?: SecurityLevel;
}

export const usernameKey = (username: string): string => username.toLowerCase();

export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);
