import { hash, verify } from '@node-rs/argon2';

/** Algorithm.Argon2id; the package exports it as a const enum, which isolated modules cannot read. */
const ARGON2ID = 2;
import type { SecretHasher } from './ports.ts';

/** argon2id with the library's defaults (19 MiB, 2 passes): the secrets are unsalted SHA-1s, so they need a slow hash. */
export const argon2Hasher: SecretHasher = {
  hash: (secret) => hash(secret, { algorithm: ARGON2ID }),
  verify: async (stored, secret) => {
    try {
      return await verify(stored, secret);
    } catch {
      return false;
    }
  },
};
