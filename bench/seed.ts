import { randomUUID } from 'node:crypto';
import { argon2Hasher } from '../src/accounts/argon2-hasher.ts';
import { clientSecret, normaliseSecret } from '../src/accounts/secret.ts';
import type { User } from '../src/accounts/user.ts';
import { loadConfig } from '../src/config/load.ts';
import { asUserId } from '../src/kernel/ids.ts';
import { openCore } from '../src/main.ts';

export const USER_PASSWORD = 'Bench-Passw0rd!';

/**
 * Migrates the database the server will use and adds `user1` … `user<count>` (real name "Bench User <i>") through the
 * accounts repository in one transaction, all sharing one argon2 hash: hashing is not what the benchmark measures.
 */
export async function seedUsers(env: Record<string, string>, count: number): Promise<void> {
  const core = await openCore(loadConfig(env));
  try {
    const secretHash = await argon2Hasher.hash(normaliseSecret(clientSecret(USER_PASSWORD)));
    const now = Date.now();
    await core.store.transaction(async (tx) => {
      for (let i = 1; i <= count; i++) {
        const user: User = {
          id: asUserId(randomUUID()),
          username: `user${i}`,
          realName: `Bench User ${i}`,
          email: `user${i}@bench.invalid`,
          department: 'Bench',
          mobile: '',
          role: 'Normal',
          securityLevel: 'NORMAL',
          secretHash,
          locked: false,
          freezeEpoch: 0,
          frozenUntil: 0,
          passwordChangedAt: now,
          createdAt: now,
          updatedAt: now,
        };
        await tx.users.insert(user);
      }
    });
  } finally {
    await core.database.close();
  }
}
