import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Viewer grants of live streams: what a viewer holds after giving the right passcode (a cookie), so that the playlist
 * and the segments are served without the passcode in any URL. A grant names the stream's key and its expiry, signed
 * with a secret of this process (grants end with a restart: viewers give the passcode again).
 */
export class LiveGrants {
  private readonly secret = randomBytes(32);

  constructor(private readonly lifetimeMs: number) {}

  /** A new grant for the stream, valid for the lifetime from `now`. */
  issue(key: string, now: number): { value: string; expiresAt: number } {
    const expiresAt = now + this.lifetimeMs;
    return { value: `${expiresAt}.${this.sign(key, expiresAt)}`, expiresAt };
  }

  /** Is `value` a grant for this stream that has not expired? */
  valid(key: string, value: string | undefined, now: number): boolean {
    const m = value === undefined ? null : /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(value);
    if (!m) return false;
    const expiresAt = Number(m[1]);
    if (expiresAt <= now || expiresAt > now + this.lifetimeMs) return false;
    const given = Buffer.from(m[2]!);
    const expected = Buffer.from(this.sign(key, expiresAt));
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private sign(key: string, expiresAt: number): string {
    return createHmac('sha256', this.secret).update(`${key}\n${expiresAt}`).digest('base64url');
  }
}
