/**
 * A media request that fails because of what the caller sent (a room that is not open, a participant the policy does
 * not list, an SDP werift cannot read): the control plane answers the client with a 4xx-style error, and the worker
 * is not at fault. Recognised across the IPC channel by its name.
 */
export class BadMediaRequest extends Error {
  override name = 'BadMediaRequest';
}
