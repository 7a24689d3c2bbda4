import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { SIGNAL_PATH } from '../../contract/signal/protocol.ts';
import { RestClient } from '../../sdk/rest-client.ts';
import { type JoinOptions, type JoinParams, SignalClient } from '../../sdk/signal-client.ts';
import type { TestServer } from './server.ts';

/**
 * Helpers for tests of live meetings over a startTestServer() server: SDK clients (RestClient, SignalClient) that
 * trust its self-signed certificate, instant meetings, and cleanup.
 */

/** A `fetch` for the SDK that goes through the server's HttpsClient (certificate checks off, closed with the server). */
export function fetchFor(t: TestServer): typeof fetch {
  return async (input, init = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    const body = init.body === undefined || init.body === null ? undefined : String(init.body);
    const reply = await t.client.call(init.method ?? 'GET', url, { ...(body !== undefined ? { body } : {}), headers });
    const out = new Headers();
    for (const [k, v] of Object.entries(reply.headers)) {
      if (v === undefined) continue;
      for (const item of Array.isArray(v) ? v : [v]) out.append(k, item);
    }
    const empty = reply.status === 204 || reply.status === 304;
    return new Response(empty ? null : reply.text, { status: reply.status, headers: out });
  };
}

/** A RestClient for `clientId` (signed in when `token` is given) on the test server. */
export function restFor(t: TestServer, clientId: string, token?: string): RestClient {
  return new RestClient({ baseUrl: t.url, clientId, ...(token !== undefined ? { token } : {}), fetch: fetchFor(t) });
}

/** A SignalClient for the test server that has not joined yet (for join failures and custom flows). */
export function signalFor(t: TestServer): SignalClient {
  return new SignalClient({ url: t.url.replace(/^https:/, 'wss:') + SIGNAL_PATH, WebSocket, webSocketOptions: { rejectUnauthorized: false } });
}

/**
 * Joins the meeting and returns the connected SignalClient once the join snapshot (meeting.info, roster, mute.lock …)
 * has arrived (a ping round trip after the connected status); rejects with the SDK's JoinError when refused.
 */
export async function joinAs(t: TestServer, params: JoinParams, options: JoinOptions = {}): Promise<SignalClient> {
  const client = signalFor(t);
  await client.join(params, options);
  await client.ping();
  return client;
}

/** Creates an instant meeting as the user of `token` (via POST /api/v1/meeting_schedule); `clientId` is the caller's. */
export async function instantMeeting(
  t: TestServer,
  token: string,
  clientId = 'instant-meeting-creator',
  name = 'Live test meeting',
): Promise<{ meeting_number: string; meeting_password: string; key: string }> {
  const r = await t.call('POST', '/api/v1/meeting_schedule', { query: { client_id: clientId, token }, body: { meeting_type: 'instant', meeting_name: name } });
  assert.equal(r.status, 200, r.text);
  return {
    meeting_number: String(r.body.meeting_number),
    meeting_password: String(r.body.meeting_password ?? ''),
    // The meeting link's key: /j/{key}
    key: new URL(String(r.body.meeting_url)).pathname.split('/').pop()!,
  };
}

/** Leaves (or, when not connected, drops) every client and waits until their connections are closed. */
export async function closeAll(clients: Iterable<SignalClient | undefined>): Promise<void> {
  await Promise.all(
    [...clients].map(async (c) => {
      if (!c) return;
      if (c.connected) {
        const left = await Promise.race([c.leave().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 2000).unref())]).catch(() => false);
        if (left) return;
      }
      await c.close();
    }),
  );
}
