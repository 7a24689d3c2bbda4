import { createHmac } from 'node:crypto';
import type { Clock } from '../kernel/clock.ts';

/** One entry of RTCConfiguration.iceServers, as the browser takes it. */
export interface IceServer {
  urls: string[];
  username: string;
  credential: string;
}

export interface IceServerList {
  iceServers: IceServer[];
  /** ms; when the credentials stop working for new allocations; 0 = no relay configured. */
  expires: number;
}

export interface TurnSettings {
  /** turn:/turns: URIs, already checked (src/config/turn.ts). */
  urls: string[];
  /** The TURN server's shared secret (coturn `static-auth-secret`). */
  secret: string;
  lifetimeSeconds: number;
}

/**
 * The TURN REST API credential (draft-uberti-behave-turn-rest, as coturn's `use-auth-secret` checks it): the username is
 * `<expiry in Unix seconds>:<id>` and the password the base64 HMAC-SHA1 of that username under the shared secret, so
 * the TURN server verifies it without asking Convene, and it stops working at the expiry. The secret never leaves here.
 */
export function turnCredential(secret: string, id: string, expiresAtSeconds: number): { username: string; credential: string } {
  const username = `${expiresAtSeconds}:${id}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}

/** Hands each participant the configured TURN servers with a credential of its own (its uuid in the username). */
export class IceServers {
  constructor(
    private readonly turn: TurnSettings | undefined,
    private readonly clock: Clock,
  ) {}

  for(participantId: string): IceServerList {
    if (!this.turn || this.turn.urls.length === 0) return { iceServers: [], expires: 0 };
    const expiresAt = Math.floor(this.clock.now() / 1000) + this.turn.lifetimeSeconds;
    return { iceServers: [{ urls: [...this.turn.urls], ...turnCredential(this.turn.secret, participantId, expiresAt) }], expires: expiresAt * 1000 };
  }
}
