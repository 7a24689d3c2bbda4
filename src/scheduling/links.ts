import { randomInt } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A link key: 16 base-62 characters (~95 bits), unguessable, URL-safe, short enough to read out. */
export function newLinkKey(): string {
  let key = '';
  for (let i = 0; i < 16; i++) key += ALPHABET.charAt(randomInt(ALPHABET.length));
  return key;
}

/** Where links point: the configured public base URL without a trailing slash. */
export interface LinkBase {
  baseUrl(): string;
}

export const meetingUrl = (base: LinkBase, key: string): string => `${base.baseUrl()}/j/${key}`;
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
