import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header a node sends on a connection it relays for a participant: `{nodeId}.{epoch ms}.{hex HMAC}`. */
export const NODE_HEADER = 'x-convene-node';
/** The participant's own network address, as the relaying node saw it (per-address limits count it, not the node's). */
export const CLIENT_ADDRESS_HEADER = 'x-convene-client-address';

/** A relay older than this is refused: a captured header cannot be replayed later. */
const MAX_SKEW_MS = 30_000;

const mac = (secret: string, nodeId: string, at: number, address: string, meetingNumber: string): string =>
  createHmac('sha256', secret).update(`${nodeId}\n${at}\n${address}\n${meetingNumber}`).digest('hex');

/** The headers a node sends when it relays a participant's connection for `meetingNumber` to the meeting's node. */
export function relayHeaders(secret: string, nodeId: string, address: string, meetingNumber: string, now = Date.now()): Record<string, string> {
  return { [NODE_HEADER]: `${nodeId}.${now}.${mac(secret, nodeId, now, address, meetingNumber)}`, [CLIENT_ADDRESS_HEADER]: address };
}

/**
 * The participant's address when the request is a relay signed by a node of this cluster for this meeting, or
 * undefined when it carries no relay header. A header that does not verify is an error: such a request is refused.
 */
export function verifyRelay(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  meetingNumber: string,
  now = Date.now(),
): { nodeId: string; address: string } | undefined {
  const value = headers[NODE_HEADER];
  if (value === undefined) return undefined;
  const address = headers[CLIENT_ADDRESS_HEADER];
  const [nodeId = '', at = '', signature = ''] = String(value).split('.');
  if (typeof address !== 'string' || !/^\d+$/.test(at) || Math.abs(now - Number(at)) > MAX_SKEW_MS) throw new Error('relay header expired or malformed');
  const expected = Buffer.from(mac(secret, nodeId, Number(at), address, meetingNumber), 'hex');
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new Error('relay header does not verify');
  return { nodeId, address };
}
