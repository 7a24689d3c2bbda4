import { randomBytes, randomInt } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A link key: 16 base-62 characters (~95 bits), unguessable, URL-safe, short enough to read out. */
export function newLinkKey(): string {
  let key = '';
  for (let i = 0; i < 16; i++) key += ALPHABET.charAt(randomInt(ALPHABET.length));
  return key;
}

/** The key of a live URL (`/live/{key}`): 128 random bits, base64url (22 characters). */
export function newLiveKey(): string {
  return randomBytes(16).toString('base64url');
}

/** Where links point: the configured public base URL without a trailing slash. */
export interface LinkBase {
  baseUrl(): string;
}

export const meetingUrl = (base: LinkBase, key: string): string => `${base.baseUrl()}/j/${key}`;
/** A live URL: where viewers watch a meeting's live stream. */
export const liveUrl = (base: LinkBase, key: string): string => `${base.baseUrl()}/live/${key}`;
/** The live URL a scheduled meeting shows from scheduling on, when it asked for one (generate_live_url). */
export const liveMeetingUrl = (base: LinkBase, r: { generateLiveUrl: boolean; liveKey: string }): string =>
  r.generateLiveUrl && r.liveKey !== '' ? liveUrl(base, r.liveKey) : '';
export const calendarUrl = (base: LinkBase, key: string): string => `${base.baseUrl()}/api/v1/calendar/${key}.ics`;

/** The payload the FRTC apps decode from a meeting link or QR code (contract §5.3): base64 of plain JSON. */
export function meetingLinkPayload(fields: {
  meetingNumber: string;
  password: string;
  meetingUrl: string;
  serverAddress: string;
}): string {
  const json = JSON.stringify({
    meeting_number: fields.meetingNumber,
    meeting_passwd: fields.password,
    server_address: fields.serverAddress,
    meeting_url: fields.meetingUrl,
  });
  return Buffer.from(json, 'utf8').toString('base64');
}
