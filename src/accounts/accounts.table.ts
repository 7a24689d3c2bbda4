import type { Generated } from 'kysely';

export interface UsersTable {
  id: string;
  username: string;
  /** Lower-cased username: uniqueness and look-ups ignore case, so "Alice" and "alice" are one account. */
  username_key: string;
  real_name: string;
  /** Lower-cased in JS (full Unicode), because SQLite's lower() only folds ASCII. */
  real_name_key: string;
  email: string;
  department: string;
  mobile: string;
  role: string;
  security_level: string;
  secret_hash: string;
  locked: number;
  /** Raised by an administrator's unlock; the sign-in freeze counts are kept under it (accounts/lockout.ts). */
  freeze_epoch: Generated<number>;
  /** The latest end of a sign-in freeze or hold on the account, for administrators; 0 = none so far. */
  frozen_until: Generated<number>;
  password_changed_at: number;
  created_at: number;
  updated_at: number;
}

export interface SessionsTable {
  token_hash: string;
  user_id: string;
  client_id: string;
  created_at: number;
  last_used_at: number;
}

export interface AccountsTables {
  users: UsersTable;
  sessions: SessionsTable;
}
