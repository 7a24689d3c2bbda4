/**
 * TURN for real: a coturn started here with a shared secret, and a firewall (nftables, in the media tests' own network
 * namespace) that lets nothing but the relay's address reach the SFU's media ports, as a network that blocks the
 * participants' UDP to the SFU would. Participants then get media only through the relay Convene hands them
 * (media.ice, credentials in the TURN REST API scheme): the wrtc peers and the browser app in Chromium.
 *
 * Further rules then drop UDP to the relay (TURN over TCP is left) and TCP to its port 3478 (TLS on 443 is left), and
 * spoilt credentials (another secret, an expired one) show that coturn really checks what Convene signs.
 *
 * Addresses: the SFU on 127.0.0.1 (media ports 41000–41099), coturn on 127.0.0.2 (3478 UDP/TCP, 443 TLS) relaying
 * from 127.0.0.2.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { IceServer } from '../../contract/signal/protocol.ts';
import { turnCredential } from '../../src/live/ice-servers.ts';
import { decodes, joinAppPage } from '../support/app-page.ts';
import { assertChromium, CHROMIUM, CHROMIUM_ARGS, REQUIRE_CHROMIUM, SKIP_WITHOUT_CHROMIUM } from '../support/browser.ts';
import { block, type Coturn, HAVE_COTURN, HAVE_NFT, startCoturn, unblock } from '../support/coturn.ts';
import { eventually, sleep } from '../support/eventually.ts';
import { closeAll, instantMeeting, joinAs } from '../support/live.ts';
import { skipUnlessIsolated, startMediaServer } from '../support/media.ts';
import type { TestServer } from '../support/server.ts';
import { type Route, WrtcParticipant } from '../support/wrtc-peer.ts';

const SECRET = 'turn-test-shared-secret-0123456789';
const TURN = { address: '127.0.0.2', port: 3478, tlsPort: 443 };
const MEDIA_PORTS = '41000-41099';
/** Only the relay reaches the SFU: every other sender's UDP to the media ports is dropped. */
const SFU_ONLY_THROUGH_RELAY = `ip saddr != ${TURN.address} udp dport ${MEDIA_PORTS} drop`;
/** A network that blocks UDP altogether for the participants: TURN over TCP is what is left. */
const NO_UDP_TO_TURN = `ip daddr ${TURN.address} udp dport ${TURN.port} drop`;
/** A network that lets only TLS on 443 out: TURN over TLS is what is left. */
const NO_TCP_3478 = `ip daddr ${TURN.address} tcp dport ${TURN.port} drop`;

const missing = !HAVE_COTURN ? 'coturn not installed (apt-get install coturn)' : !HAVE_NFT ? 'nft not installed (apt-get install nftables)' : false;
// CI (CONVENE_REQUIRE_MEDIA=1) installs both: a missing one there is a failure, not a skip.
if (missing && process.env.CONVENE_REQUIRE_MEDIA === '1') throw new Error(`${missing}, and CONVENE_REQUIRE_MEDIA=1`);
const skip = skipUnlessIsolated() || missing;

/** The participant's relay candidates in an SDP it sent. */
const relayCandidates = (sdp: string) => sdp.split('\r\n').filter((l) => l.startsWith('a=candidate:') && l.includes(' typ relay'));

describe('TURN: media through a coturn relay when the SFU cannot be reached directly', { skip }, () => {
  let t: TestServer;
  let coturn: Coturn;
  let meeting: { number: string; password: string; key: string };
  const peers: WrtcParticipant[] = [];
  let n = 0;

  /** A participant whose media failed leaves (it would hold an audio slot, being unmuted, without sending anything). */
  const leave = async (peer: WrtcParticipant) => {
    peer.close();
    await closeAll([peer.signal]);
  };

  const join = async (options: ConstructorParameters<typeof WrtcParticipant>[1] = {}) => {
    const signal = await joinAs(t, { meeting_number: meeting.number, client_id: `turn-peer-${++n}`, display_name: `Peer ${n}`, passcode: meeting.password });
    const peer = new WrtcParticipant(signal, options);
    peers.push(peer);
    return peer;
  };

  /** `viewer` decodes `from`'s video and keeps receiving its audio. */
  const receives = (viewer: WrtcParticipant, from: WrtcParticipant) =>
    eventually(async () => {
      const video = viewer.midOf('video', from.uuid);
      const audio = viewer.midOf('audio', from.uuid);
      assert.ok(video && audio, `slots for ${from.uuid}: ${JSON.stringify(viewer.slots)}`);
      const before = await viewer.inbound();
      await sleep(500);
      const later = await viewer.inbound();
      assert.ok((later.get(video)?.frames ?? 0) > (before.get(video)?.frames ?? 0), `video frames of ${from.uuid} keep being decoded`);
      assert.ok((later.get(audio)?.packets ?? 0) > (before.get(audio)?.packets ?? 0), `audio of ${from.uuid} keeps arriving`);
    }, 15_000);

  before(async () => {
    t = await startMediaServer({
      CONVENE_MEDIA_PORTS: MEDIA_PORTS,
      CONVENE_TURN_URLS: `turn:${TURN.address}:${TURN.port}?transport=udp,turn:${TURN.address}:${TURN.port}?transport=tcp,turns:${TURN.address}:${TURN.tlsPort}?transport=tcp`,
      CONVENE_TURN_SECRET: SECRET,
      CONVENE_TURN_CREDENTIAL_SECONDS: '600',
    });
    // TLS with the test server's own self-signed certificate (Chromium runs with --ignore-certificate-errors).
    const tls = { port: TURN.tlsPort, cert: `${t.dataDir}/tls/self-signed.crt`, key: `${t.dataDir}/tls/self-signed.key` };
    coturn = await startCoturn({ dir: t.dataDir, secret: SECRET, address: TURN.address, port: TURN.port, relayPorts: [49160, 49260], tls });
    await t.createUser('turn-owner', 'Owner-Passw0rd!');
    const token = await t.signIn('turn-owner', 'Owner-Passw0rd!', 'turn-owner-device');
    const created = await instantMeeting(t, token, 'turn-owner-device', 'Behind a firewall');
    meeting = { number: created.meeting_number, password: created.meeting_password, key: created.key };
    block([SFU_ONLY_THROUGH_RELAY]);
  });

  after(async () => {
    unblock();
    for (const p of peers) p.close();
    await closeAll(peers.map((p) => p.signal));
    await coturn?.stop();
    await t?.close();
  });

  it('media.ice hands out the configured relay with a credential for this participant that coturn’s scheme verifies, never the secret', async () => {
    const peer = await join();
    const before = Math.floor(Date.now() / 1000);
    const servers = await peer.signal.iceServers();
    assert.equal(servers.length, 1);
    const [server] = servers as [IceServer];
    assert.deepEqual(server.urls, [
      `turn:${TURN.address}:${TURN.port}?transport=udp`,
      `turn:${TURN.address}:${TURN.port}?transport=tcp`,
      `turns:${TURN.address}:${TURN.tlsPort}?transport=tcp`,
    ]);
    const [expiry, id] = server.username.split(':');
    assert.equal(id, peer.uuid, 'the username names the participant');
    assert.ok(Number(expiry) >= before + 600 && Number(expiry) <= before + 602, `expires in CONVENE_TURN_CREDENTIAL_SECONDS: ${expiry}`);
    assert.equal(server.credential, turnCredential(SECRET, peer.uuid, Number(expiry)).credential);
    assert.ok(!JSON.stringify(servers).includes(SECRET), 'the secret is not sent');
    assert.ok(!t.logs.some((l) => l.includes(SECRET)), 'the secret is not logged');
    await leave(peer);
  });

  it('without the relay a participant gets no media: the firewall really blocks the direct path', async () => {
    const direct = await join({ iceServers: () => [] });
    await assert.rejects(direct.publish(), /WebRTC connection/);
    assert.deepEqual(relayCandidates(direct.sent.offer), []);
    await leave(direct);
  });

  it('with the relay two participants connect through coturn and receive each other’s audio and video', async () => {
    const [a, b] = [await join(), await join()];
    await Promise.all([a.start(), b.start()]);
    for (const p of [a, b]) {
      assert.ok(relayCandidates(p.sent.offer).length > 0, 'coturn granted an allocation');
      const routes: Route[] = await p.routes();
      assert.equal(routes.length, 2);
      for (const r of routes) assert.equal(r.candidateType, 'relay', `every connection goes through the relay: ${JSON.stringify(routes)}`);
    }
    await receives(a, b);
    await receives(b, a);
  });

  it('a credential signed with another secret, or expired, gets no allocation from coturn and so no media', async () => {
    const spoil = (make: (username: string) => { username: string; credential: string }) => (servers: IceServer[]) =>
      servers.map((s) => ({ ...s, ...make(s.username) }));
    const wrongSecret = await join({ iceServers: spoil((u) => ({ username: u, credential: turnCredential('another-secret-0123456789', u.split(':')[1]!, Number(u.split(':')[0])).credential })) });
    const expired = await join({ iceServers: spoil(() => turnCredential(SECRET, 'expired-participant', Math.floor(Date.now() / 1000) - 60)) });
    for (const peer of [wrongSecret, expired]) {
      await assert.rejects(peer.publish(), /WebRTC connection/);
      assert.deepEqual(relayCandidates(peer.sent.offer), [], 'coturn refused the allocation');
      await leave(peer);
    }
    assert.ok(coturn.log.some((l) => /401/.test(l)), `coturn answered 401: ${coturn.log.slice(-10).join('\n')}`);
  });

  describe('the browser app in Chromium', { skip: SKIP_WITHOUT_CHROMIUM }, () => {
    let browser: Browser | undefined;

    before(async () => {
      if (REQUIRE_CHROMIUM) assertChromium();
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    });
    after(async () => {
      await browser?.close();
    });

    const joinPage = (name: string) => joinAppPage(browser!, `${t.url}/app/#key=${meeting.key}`, name);

    /** The path of each of the page's connected peer connections. */
    const routes = (page: Page) =>
      page.evaluate(`Promise.all(globalThis.connections.filter((pc) => pc.connectionState === 'connected').map(async (pc) => {
        const reports = new Map(); (await pc.getStats()).forEach((r) => reports.set(r.id, r));
        const transport = [...reports.values()].find((r) => r.type === 'transport' && r.selectedCandidatePairId);
        const local = reports.get(reports.get(transport.selectedCandidatePairId).localCandidateId);
        return { candidateType: local.candidateType, relayProtocol: local.relayProtocol };
      }))`) as Promise<Route[]>;

    it('joins by link behind the firewall, connects its media through the relay, and sees and is seen', async () => {
      const { page, uuid } = await joinPage('Chromium Behind Firewall');
      const used = await routes(page);
      assert.equal(used.length, 2, JSON.stringify(used));
      for (const r of used) assert.equal(r.candidateType, 'relay', `the app's connections go through the relay: ${JSON.stringify(used)}`);
      // It receives a wrtc participant's video, and that participant receives its video and audio.
      const other = peers.find((p) => p.sent.answer !== '' && relayCandidates(p.sent.offer).length > 0)!;
      await decodes(page, other.uuid);
      await receives(other, { uuid } as WrtcParticipant);
      await page.context().close();
    });

    it('where only TLS to port 443 gets out, two pages connect through TURN over TLS (turns:) and see each other', async () => {
      block([SFU_ONLY_THROUGH_RELAY, NO_UDP_TO_TURN, NO_TCP_3478]);
      try {
        const [a, b] = [await joinPage('Tls Ann'), await joinPage('Tls Bo')];
        for (const { page } of [a, b]) assert.deepEqual(await routes(page), [{ candidateType: 'relay', relayProtocol: 'tls' }, { candidateType: 'relay', relayProtocol: 'tls' }]);
        await decodes(a.page, b.uuid);
        await decodes(b.page, a.uuid);
        for (const { page } of [a, b]) await page.context().close();
      } finally {
        block([SFU_ONLY_THROUGH_RELAY]);
      }
    });
  });

  // Last: blocking UDP to the relay also cuts the participants above, who reach it over UDP.
  it('where UDP to the relay is blocked too, TURN over TCP still carries the media', async () => {
    block([SFU_ONLY_THROUGH_RELAY, NO_UDP_TO_TURN]);
    const [c, d] = [await join(), await join()];
    await Promise.all([c.start(), d.start()]);
    for (const p of [c, d]) {
      assert.deepEqual(await p.routes(), [{ candidateType: 'relay', relayProtocol: 'tcp' }, { candidateType: 'relay', relayProtocol: 'tcp' }]);
    }
    await receives(c, d);
    await receives(d, c);
  });
});
