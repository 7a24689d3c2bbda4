/**
 * The FRTC client secret: what every FRTC app sends instead of the password (sign-in, password change, user admin).
 * Lowercase hex SHA-1 of `password + FRTC_SECRET_SALT` over the UTF-8 bytes, the same value as the server's
 * src/accounts/secret.ts computes with node:crypto. WebCrypto (`globalThis.crypto.subtle`) works in Node 20 and in
 * browsers; browsers expose it only in secure contexts (https or localhost).
 */
export const FRTC_SECRET_SALT = '49d88eb34f77fc9e81cbdc5190c7efdc';

export async function clientSecret(password: string): Promise<string> {
  const subtle = (globalThis as { crypto?: { subtle?: SubtleLike } }).crypto?.subtle;
  if (!subtle) throw new Error('clientSecret: WebCrypto (globalThis.crypto.subtle) is not available here');
  const digest = await subtle.digest('SHA-1', new TextEncoder().encode(password + FRTC_SECRET_SALT));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The one SubtleCrypto call used, typed here so the file needs neither the DOM nor the Node type library. */
interface SubtleLike {
  digest(algorithm: string, data: Uint8Array): Promise<ArrayBuffer>;
}
