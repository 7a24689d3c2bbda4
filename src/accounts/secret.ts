import { createHash, hash, randomBytes, randomInt } from 'node:crypto';

/** The salt every FRTC client appends before hashing (contract §5.1). */
export const FRTC_SECRET_SALT = '49d88eb34f77fc9e81cbdc5190c7efdc';

/** What a client sends for a password: lowercase hex SHA-1 of password + salt. */
export const clientSecret = (password: string): string =>
  createHash('sha1').update(password + FRTC_SECRET_SALT, 'utf8').digest('hex');

/** Secrets are hex; clients send lowercase, but case carries no meaning, so compare in one form. */
export const normaliseSecret = (secret: string): string => secret.toLowerCase();

const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
const SYMBOLS = '!@#%^*-_+=';

/**
 * A random password that satisfies the HIGH security level the Android app enforces (upper, lower, digit, symbol,
 * 8–48 chars) so it can be typed into any client.
 */
export function generatePassword(length = 20): string {
  const pick = (set: string) => set.charAt(randomInt(set.length));
  const chars = [pick('ABCDEFGHJKLMNPQRSTUVWXYZ'), pick('abcdefghijkmnopqrstuvwxyz'), pick('23456789'), pick(SYMBOLS)];
  while (chars.length < length) chars.push(pick(PASSWORD_ALPHABET));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  // Start with a letter: the Android NORMAL rule wants a letter or digit first.
  const first = chars.findIndex((c) => /[A-Za-z]/.test(c));
  [chars[0], chars[first]] = [chars[first]!, chars[0]!];
  return chars.join('');
}

/** A session token: 256 random bits, URL-safe (it travels in query strings). */
export const newToken = (): string => randomBytes(32).toString('base64url');

/**
 * Tokens are stored hashed; they are random, so a fast hash is enough to make a stolen table useless. One-shot
 * `hash()` (every signed-in request runs this) costs half of createHash().update().digest().
 */
export const tokenHash = (token: string): string => hash('sha256', token, 'hex');
