/**
 * The SIP gateway with sipp as the SIP phone (Debian's sip-tester) and @roamhq/wrtc participants: a phone dials into a
 * meeting, appears in the roster, is heard by the browsers and hears them (minus itself), and the host's mute,
 * disconnect, lock and stop act on it. Loopback-only namespace (scripts/test.ts: unshare -n).
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { type RestClient, RestError } from '../../sdk/rest-client.ts';
import { eventually, sleep } from '../support/eventually.ts';
import { closeAll, instantMeeting, joinAs, restFor } from '../support/live.ts';
import { skipUnlessIsolated, startMediaServer } from '../support/media.ts';
import type { TestServer } from '../support/server.ts';
import { SipPhone } from '../support/sip-phone.ts';
import { cleanUpSipp, freePort, PHONE_ADDRESS, sipp, skipWithoutSipp, toneFile } from '../support/sipp.ts';
import { WrtcParticipant } from '../support/wrtc-peer.ts';

const OWNER = { username: 'sip-owner', password: 'owner-pw-1' };

describe('SIP dial-in (sipp as the phone)', { skip: skipUnlessIsolated() || skipWithoutSipp() }, () => {
  let t: TestServer;
  let host: RestClient;
  let number = '';
  let passcode = '';
  let gatewayPort = 0;
  let ana: WrtcParticipant;
  let ben: WrtcParticipant;

  /** The uuid of the roster entry named `name`, as Ben sees the roster (undefined while there is none). */
  const uuidOf = (name: string): string | undefined => [...ben.signal.roster.values()].find((e) => e.display_name === name)?.uuid;
  /** The audio energy `peer` has received from `uuid` so far (0 while no slot carries it). */
  const energyFrom = async (peer: WrtcParticipant, uuid: string): Promise<number> => (await peer.inbound()).get(peer.midOf('audio', uuid) ?? '')?.energy ?? 0;
  /** Does `peer` hear `uuid` (energy growing over half a second)? */
  const hears = async (peer: WrtcParticipant, uuid: string): Promise<boolean> => {
    const before = await energyFrom(peer, uuid);
    await sleep(500);
    return (await energyFrom(peer, uuid)) - before > 0.005;
  };

  before(async () => {
    gatewayPort = await freePort();
    t = await startMediaServer({ CONVENE_SIP_PORT: String(gatewayPort), CONVENE_SIP_ADDRESS: '127.0.0.1', CONVENE_GATEWAY_MAX_CALLS: '4', CONVENE_PASSCODE_ATTEMPTS_PER_ADDRESS: '5', CONVENE_SIP_MEDIA_TIMEOUT_SECONDS: '3', CONVENE_H323_GATEWAY: `sip:${PHONE_ADDRESS}:5093` });
    await t.createUser(OWNER.username, OWNER.password);
    const token = await t.signIn(OWNER.username, OWNER.password, 'sip-owner-device');
    const meeting = await instantMeeting(t, token, 'sip-owner-device');
    number = meeting.meeting_number;
    passcode = meeting.meeting_password;
    host = restFor(t, 'sip-owner-device', token);
    // Ana (the host) talks; Ben listens in silence.
    ana = new WrtcParticipant(await joinAs(t, { meeting_number: number, client_id: 'sip-owner-device', display_name: 'Ana', passcode, token }), { loudness: 0.3 });
    ben = new WrtcParticipant(await joinAs(t, { meeting_number: number, client_id: 'sip-ben', display_name: 'Ben', passcode }), { loudness: 0 });
    await Promise.all([ana.start(), ben.start()]);
  });
  after(async () => {
    ana?.close();
    ben?.close();
    await closeAll([ana?.signal, ben?.signal]);
    await t?.close();
    cleanUpSipp();
  });

  it('a phone dialing {number}*{passcode} is in the roster under its display name and heard by the others; host mute silences it, disconnect hangs it up (BYE)', async () => {
    const phone = sipp({ scenario: 'call', gatewayPort, dial: `${number}*${passcode}`, localPort: 5071, mediaPort: 16_000, name: 'Phone Fred', audio: toneFile(60) });
    try {
      await eventually(() => assert.ok(uuidOf('Phone Fred'), `the phone is in the roster\n${phone.output()}`), 10_000);
      const fred = uuidOf('Phone Fred')!;
      const capacity = await t.call('GET', '/api/v1/system/capacity', { query: { client_id: 'admin-console', token: await t.adminToken() } });
      assert.deepEqual(capacity.body.gateway, { max_calls: 4, current_calls: 1 }, 'the call counts as a gateway call');
      assert.equal(capacity.body.system.current_calls, 3, 'and as a call');
      await eventually(async () => assert.ok(await hears(ben, fred), 'Ben hears the phone'), 10_000);

      await host.mute(number, [fred]);
      await eventually(() => assert.equal(ben.signal.roster.get(fred)?.audio_mute, true));
      await eventually(async () => assert.equal(await hears(ben, fred), false, 'the muted phone is not forwarded'));
      await host.unmute(number, [fred]);
      await eventually(async () => assert.ok(await hears(ben, fred), 'heard again once unmuted'), 10_000);

      await host.disconnect(number, [fred]);
      assert.equal(await phone.exited, 0, `the phone got its BYE and answered it:\n${phone.output()}`);
      await eventually(() => assert.equal(uuidOf('Phone Fred'), undefined, 'it left the roster'));
    } finally {
      phone.kill();
    }
  });

  it('a locked meeting refuses a call with 403, and so does a wrong passcode in the request URI', async () => {
    await host.lock(number);
    try {
      const locked = sipp({ scenario: 'refused', gatewayPort, dial: `${number}*${passcode}`, localPort: 5073, mediaPort: 16_010, transport: 'tcp' });
      assert.equal(await locked.exited, 0, `locked (over TCP): 403 expected\n${locked.output()}`);
    } finally {
      await host.unlock(number);
    }
    const wrong = sipp({ scenario: 'refused', gatewayPort, dial: `${number}*999999999`, localPort: 5077, mediaPort: 16_030 });
    assert.equal(await wrong.exited, 0, `wrong passcode: 403 expected\n${wrong.output()}`);
    assert.equal(uuidOf('Refused Phone'), undefined);
  });

  it('a phone dialling the bare host hears spoken prompts, enters the meeting number and passcode by DTMF (RFC 4733 and SIP INFO) and joins', async () => {
    assert.match(passcode, /^\d+$/, 'the meeting has a passcode a keypad can enter');
    const phone = await SipPhone.start(PHONE_ADDRESS, 5081);
    try {
      let since = Date.now();
      assert.equal(await phone.call(`sip:127.0.0.1:${gatewayPort}`, 'Dora Dialpad'), 200, 'the bare host answers');
      await eventually(() => assert.ok(phone.heardSince(since), 'the phone is asked for the meeting number'), 5000);
      await phone.press(`${number}#`, 'rtp');
      since = Date.now();
      await eventually(() => assert.ok(phone.heardSince(since), 'then for the passcode'), 5000);
      await phone.press('1111#', 'info');
      since = Date.now();
      await eventually(() => assert.ok(phone.heardSince(since), 'a wrong passcode is told and asked again'), 5000);
      assert.equal(uuidOf('Dora Dialpad'), undefined, 'not in the meeting with a wrong passcode');
      await phone.press(`${passcode}#`, 'rtp');
      await eventually(() => assert.ok(uuidOf('Dora Dialpad'), 'in the roster once the passcode is right'), 5000);
      const dora = uuidOf('Dora Dialpad')!;
      phone.talking = true;
      await eventually(async () => assert.ok(await hears(ben, dora), 'Ben hears the phone (its media moved into the meeting)'), 10_000);
      since = Date.now();
      await eventually(() => assert.ok(phone.heardSince(since, 500), 'the phone hears Ana'), 10_000);
      await host.disconnect(number, [dora]);
      await phone.bye;
      await eventually(() => assert.equal(uuidOf('Dora Dialpad'), undefined));
    } finally {
      phone.close();
    }
  });

  it('wrong passcodes by DTMF end the call with a prompt after the allowed tries and spend the same per-address budget as any passcode', async () => {
    // A phone of its own address (the budget per address is 5 in this server).
    const tryWrong = async (phone: SipPhone, times: number) => {
      for (let i = 0; i < times; i++) {
        const since = Date.now();
        await eventually(() => assert.ok(phone.heardSince(since), `prompted before try ${i + 1}`), 8000);
        await phone.press('2222#', i % 2 === 0 ? 'rtp' : 'info');
      }
    };
    const first = await SipPhone.start('127.0.0.3', 5083);
    try {
      assert.equal(await first.call(`sip:${number}@127.0.0.1:${gatewayPort}`, 'Guesser'), 200, 'the number without a passcode is answered and asked for it');
      await tryWrong(first, 3);
      const pressed = Date.now();
      await first.bye;
      assert.ok(first.heardSince(pressed), 'it is told (wrong passcode, goodbye) before the BYE');
    } finally {
      first.close();
    }
    const second = await SipPhone.start('127.0.0.3', 5085);
    try {
      assert.equal(await second.call(`sip:${number}@127.0.0.1:${gatewayPort}`, 'Guesser'), 200);
      await tryWrong(second, 2);
      // The address's budget (5) is spent after two more: hung up at once, before the call's own 3 tries (a silence
      // would take the menu's 10 s to be asked about).
      await eventually(() => Promise.race([second.bye.then(() => true), sleep(100).then(() => assert.fail('no BYE yet'))]), 6000);
    } finally {
      second.close();
    }
    const third = await SipPhone.start('127.0.0.3', 5087);
    try {
      assert.equal(await third.call(`sip:${number}*${passcode}@127.0.0.1:${gatewayPort}`, 'Guesser'), 403, 'even the right passcode in the URI is refused now');
      assert.equal(uuidOf('Guesser'), undefined);
    } finally {
      third.close();
    }
  });

  it('a CANCEL before the answer ends the call with 487 and leaves nobody in the meeting', async () => {
    const phone = await SipPhone.start(PHONE_ADDRESS, 5089);
    try {
      assert.equal(await phone.call(`sip:${number}*${passcode}@127.0.0.1:${gatewayPort}`, 'Cancelled Carl', { cancel: true }), 487);
      await sleep(500);
      assert.equal(uuidOf('Cancelled Carl'), undefined);
      const capacity = await t.call('GET', '/api/v1/system/capacity', { query: { client_id: 'admin-console', token: await t.adminToken() } });
      assert.equal(capacity.body.gateway.current_calls, 0, 'no gateway call is left behind');
    } finally {
      phone.close();
    }
  });

  it('re-INVITEs: hold and resume are answered on the same port, a codec change is refused (488) and the call goes on; a phone gone silent is hung up after the media timeout, but not while on hold', async () => {
    const phone = await SipPhone.start(PHONE_ADDRESS, 5091);
    try {
      const since = Date.now();
      assert.equal(await phone.call(`sip:${number}*${passcode}@127.0.0.1:${gatewayPort}`, 'Held Hanna'), 200);
      await eventually(() => assert.ok(uuidOf('Held Hanna')), 5000);
      const port = (sdp: string) => /m=audio (\d+)/.exec(sdp)?.[1];
      const first = await phone.reInvite({ version: 2, direction: 'inactive' });
      assert.equal(first.status, 200);
      assert.match(first.sdp, /a=inactive/, 'hold is answered inactive');
      const changed = await phone.reInvite({ version: 3, codec: 'PCMA', direction: 'inactive' });
      assert.equal(changed.status, 488, 'the codec cannot change in the call');
      phone.stopMedia();
      await sleep(4500);
      assert.ok(uuidOf('Held Hanna'), 'on hold and silent for longer than the media timeout: still in the meeting');
      const resumed = await phone.reInvite({ version: 4 });
      assert.equal(resumed.status, 200);
      assert.match(resumed.sdp, /a=sendrecv/);
      assert.equal(port(resumed.sdp), port(first.sdp), 'the same port throughout');
      assert.ok(phone.heardSince(since, -1), 'the phone got media');
      // Resumed but silent: hung up within the media timeout (3 s) and a little.
      await Promise.race([phone.bye, sleep(8000).then(() => assert.fail('no BYE after the media timeout'))]);
      await eventually(() => assert.equal(uuidOf('Held Hanna'), undefined));
    } finally {
      phone.close();
    }
  });

  it('floods from one address are dropped beyond the request rate and new calls beyond their budget get 503; others are still served, OPTIONS answered', async () => {
    const raw = async (address: string) => {
      const socket = createSocket('udp4');
      await new Promise<void>((resolve) => socket.bind(0, address, resolve));
      const answers: string[] = [];
      socket.on('message', (m) => answers.push(m.toString('latin1')));
      const { port } = socket.address();
      let n = 0;
      const request = (method: string, body = '') => {
        n++;
        const text = [`${method} sip:${number}@127.0.0.1:${gatewayPort} SIP/2.0`, `Via: SIP/2.0/UDP ${address}:${port};branch=z9hG4bK-flood-${address}-${n}`, `From: <sip:f@${address}>;tag=f${n}`, `To: <sip:${number}@127.0.0.1>`, `Call-ID: flood-${address}-${n}`, `CSeq: 1 ${method}`, `Content-Length: ${body.length}`, '', body].join('\r\n');
        socket.send(Buffer.from(text, 'latin1'), gatewayPort, '127.0.0.1');
      };
      return { answers, request, close: () => socket.close() };
    };
    const flooder = await raw('127.0.0.4');
    const bystander = await raw('127.0.0.5');
    const caller = await raw('127.0.0.6');
    try {
      for (let i = 0; i < 200; i++) flooder.request('OPTIONS');
      // (After the burst: the burst itself may fill the gateway's socket buffer, which would drop anyone's datagram.)
      await sleep(100);
      bystander.request('OPTIONS');
      await sleep(400);
      const answered = flooder.answers.filter((a) => a.startsWith('SIP/2.0 200 ')).length;
      assert.ok(answered > 0 && answered <= 31, `about a second's worth answered (${answered} of 200)`);
      assert.ok(bystander.answers.some((a) => a.startsWith('SIP/2.0 200 ') && /Allow: .*INFO/i.test(a)), `another address is answered, with Allow (${answered} flood answers)\n${bystander.answers.join('\n')}`);
      await sleep(1100);
      const before = flooder.answers.length;
      flooder.request('OPTIONS');
      await eventually(() => assert.equal(flooder.answers.length, before + 1, 'answered again once the rate allows'));
      // New calls: 30 a minute from one address (the default), each spending the budget whatever comes of it.
      for (let i = 0; i < 31; i++) {
        caller.request('INVITE');
        await sleep(50);
      }
      // (Final answers over UDP are repeated until ACKed: calls are counted by Call-ID.)
      const calls = (status: number) => new Set(caller.answers.filter((a) => a.startsWith(`SIP/2.0 ${status} `)).map((a) => /Call-ID: (\S+)/i.exec(a)?.[1]));
      await eventually(() => assert.equal(calls(488).size, 30, 'no SDP: 488'));
      await eventually(() => assert.deepEqual([...calls(503)], ['flood-127.0.0.6-31'], 'the 31st: 503'));
      assert.ok(caller.answers.some((a) => a.startsWith('SIP/2.0 503 ') && /Retry-After: 60/i.test(a)), 'with Retry-After');
    } finally {
      flooder.close();
      bystander.close();
      caller.close();
    }
  });

  it('answers an unknown method with 405 and takes malformed datagrams without harm', async () => {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, PHONE_ADDRESS, resolve));
    try {
      const answers: string[] = [];
      socket.on('message', (m) => answers.push(m.toString('latin1')));
      const send = (text: string) => new Promise<void>((resolve) => socket.send(Buffer.from(text, 'latin1'), gatewayPort, '127.0.0.1', () => resolve()));
      for (const junk of ['garbage', 'INVITE sip:1@x SIP/2.0\r\nVia: ;;;\r\n\r\n', 'INVITE sip:1@x SIP/2.0\r\nVia: SIP/2.0/UDP a;branch=z9hG4bKa\r\nFrom: <<<\r\nTo: >\r\nCall-ID: j1\r\nCSeq: 1 INVITE\r\nContent-Length: -5\r\n\r\nxx', '\x00\xff'.repeat(700)]) {
        await send(junk);
      }
      const { port } = socket.address();
      await send(
        [`PUBLISH sip:${number}@127.0.0.1 SIP/2.0`, `Via: SIP/2.0/UDP ${PHONE_ADDRESS}:${port};branch=z9hG4bK-junk-1`, `From: <sip:x@${PHONE_ADDRESS}>;tag=1`, `To: <sip:${number}@127.0.0.1>`, 'Call-ID: junk-1', 'CSeq: 1 PUBLISH', 'Content-Length: 0', '', ''].join('\r\n'),
      );
      await eventually(() => assert.ok(answers.some((a) => a.startsWith('SIP/2.0 405 ') && /Allow: INVITE, ACK, BYE, CANCEL, OPTIONS/i.test(a)), answers.join('\n---\n')));
    } finally {
      socket.close();
    }
  });

  it('the host calls a room system into the meeting (cascading, protocol SIP): it answers, is heard, and is hung up on removal', async () => {
    const room = sipp({ scenario: 'answer', gatewayPort, localPort: 5090, mediaPort: 16_060, audio: toneFile(60) });
    try {
      await sleep(300); // sipp binds its port
      await host.cascading(number, { avc_call_params: [{ protocol: 'SIP', name: 'Board Room', uri: `${PHONE_ADDRESS}:5090##7000`, call_rate: '2048' }] });
      await eventually(() => assert.ok(uuidOf('Board Room'), 'the called room is in the roster'), 10_000);
      const board = uuidOf('Board Room')!;
      await eventually(async () => assert.ok(await hears(ben, board), `Ben hears the room system\n${room.output()}`), 10_000);
      await host.disconnect(number, [board]);
      assert.equal(await room.exited, 0, `the room system got its BYE:\n${room.output()}`);
      await eventually(() => assert.equal(uuidOf('Board Room'), undefined));
    } finally {
      room.kill();
    }
  });

  it('an H.323 entry is called through CONVENE_H323_GATEWAY, and the call rate reaches the SDP (b=AS, b=TIAS): the cascading call\'s, else the meeting\'s', async () => {
    // The "gateway" is a SIP phone of the test's own: it answers whatever it is asked to call, and shows what it got.
    const gateway = await SipPhone.start(PHONE_ADDRESS, 5093);
    try {
      await host.cascading(number, { avc_call_params: [{ protocol: 'H.323', name: 'RMX 2000', uri: '10.0.0.1##123', call_rate: '768' }] });
      await eventually(() => assert.equal(gateway.invites.length, 1), 5000);
      const invite = gateway.invites[0]!;
      assert.equal(invite.uri, `sip:10.0.0.1%23%23123@${PHONE_ADDRESS}:5093`, 'the H.323 address in the gateway URI');
      assert.match(invite.content ?? '', /b=AS:768\r\nb=TIAS:768000/);
      await eventually(() => assert.ok(uuidOf('RMX 2000'), 'the H.323 endpoint is in the roster'), 5000);
      await host.disconnect(number, [uuidOf('RMX 2000')!]);
      await gateway.bye;
      // No call_rate: the meeting's call_rate_type (2048K unless set otherwise) is announced.
      await host.cascading(number, { avc_call_params: [{ protocol: 'SIP', name: 'Rate Room', uri: `sip:room@${PHONE_ADDRESS}:5093` }] });
      await eventually(() => assert.equal(gateway.invites.length, 2), 5000);
      const rate = Number(/b=AS:(\d+)/.exec(gateway.invites[1]!.content ?? '')?.[1]);
      assert.equal(rate, 2048, `the meeting's rate (an instant meeting's default, 2048K) is announced:\n${gateway.invites[1]!.content}`);
      await eventually(() => assert.ok(uuidOf('Rate Room')), 5000);
      await host.disconnect(number, [uuidOf('Rate Room')!]);
    } finally {
      gateway.close();
    }
    await assert.rejects(
      host.cascading(number, { avc_call_params: [{ protocol: 'H.323', name: 'Bad', uri: '10.0.0.1##123', call_rate: 'fast' }] }),
      (e: unknown) => e instanceof RestError && e.status === 400 && /call_rate/.test(e.message),
    );
  });

  it('the phone hears the meeting but not itself: an echoing phone sends Ana’s voice back, and stopping the meeting hangs it up', async () => {
    const phone = sipp({ scenario: 'call', gatewayPort, dial: `${number}*${passcode}`, localPort: 5079, mediaPort: 16_040, name: 'Echo Phone' });
    try {
      await eventually(() => assert.ok(uuidOf('Echo Phone')), 10_000);
      const echo = uuidOf('Echo Phone')!;
      // What Ana hears from the phone is what the phone received: her own tone (Ben is silent).
      await eventually(async () => assert.ok(await hears(ana, echo), 'Ana hears her voice from the phone'), 10_000);
      await host.stop(number);
      assert.equal(await phone.exited, 0, `the phone got its BYE when the meeting stopped:\n${phone.output()}`);
    } finally {
      phone.kill();
    }
  });
});
