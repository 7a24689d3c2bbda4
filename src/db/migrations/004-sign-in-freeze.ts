import type { Kysely } from 'kysely';

/**
 * Freezes moved out of the users row into budgets counted per account and source address (src/accounts/lockout.ts).
 * The row keeps `frozen_until` (the latest end of any freeze on the account, for administrators) and, instead of a
 * count of consecutive failures, the epoch the budgets' keys carry: an administrator's unlock raises it, which starts
 * every count afresh. The old counts (0–4) serve as first epochs as well as any.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').renameColumn('failed_attempts', 'freeze_epoch').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').renameColumn('freeze_epoch', 'failed_attempts').execute();
}
