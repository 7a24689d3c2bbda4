/**
 * A small SIP phone of the tests' own on the npm `sip` stack, for what sipp does not do well: listen to what it is told
 * (the RMS of each RTP frame it receives, as G.711 µ-law), press keys by RFC 4733 telephone-events or SIP INFO, and
 * answer the BYE it gets. It talks PCMU from its own loopback address (not the gateway's), a tone while `talking`.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import sip, { type SipMessage, type Stack } from 'sip';
import { g711Decode, g711Encode } from '../../src/media/rtp/g711.ts';

const TELEPHONE_EVENT = 101;
const KEY_CODES: Record<string, number> = { '*': 10, '#': 11 };

export class SipPhone {
  private stack!: Stack;
  private rtp!: Socket;
  private remoteMedia: { address: string; port: number } | undefined;
  private dialog: { callId: string; from: SipMessage['headers']['from']; to: SipMessage['headers']['to']; contact: string; cseq: number } | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private seq = 1;
  private timestamp = 0;
  private sample = 0;
  private readonly ssrc = randomBytes(4).readUInt32BE(0);
  private readonly eventsQueue: Buffer[] = [];
  /** (time received, RMS) of every frame received, the last few thousand. */
  readonly heard: Array<{ at: number; rms: number }> = [];
  /** Resolves with the BYE the gateway sends (answered 200). */
  readonly bye: Promise<SipMessage>;
  private gotBye!: (m: SipMessage) => void;
  /** Send a 300 Hz tone (true) or silence. */
  talking = false;

  private constructor(
    readonly address: string,
    readonly sipPort: number,
  ) {
    this.bye = new Promise((resolve) => (this.gotBye = resolve));
  }

  static async start(address: string, sipPort: number): Promise<SipPhone> {
    const phone = new SipPhone(address, sipPort);
    phone.stack = sip.create({ address, port: sipPort, udp: true, tcp: false, publicAddress: address }, (rq) => phone.onRequest(rq));
    phone.rtp = createSocket('udp4');
    await new Promise<void>((resolve) => phone.rtp.bind(0, address, resolve));
    phone.rtp.on('message', (msg) => {
      if (msg.length <= 12 || (msg[1]! & 0x7f) !== 0) return;
      const pcm = g711Decode('PCMU', msg.subarray(12));
      let sum = 0;
      for (const s of pcm) sum += s * s;
      phone.heard.push({ at: Date.now(), rms: Math.sqrt(sum / Math.max(1, pcm.length)) });
      if (phone.heard.length > 5000) phone.heard.shift();
    });
    return phone;
  }

  /** The phone's SDP offer: PCMU (or only PCMA) and telephone-events, in `direction`. */
  offer(o: { version?: number; codec?: 'PCMU' | 'PCMA'; direction?: string } = {}): string {
    const pt = o.codec === 'PCMA' ? 8 : 0;
    return [
      'v=0',
      `o=phone 1 ${o.version ?? 1} IN IP4 ${this.address}`,
      's=-',
      `c=IN IP4 ${this.address}`,
      't=0 0',
      `m=audio ${this.rtp.address().port} RTP/AVP ${pt} ${TELEPHONE_EVENT}`,
      `a=rtpmap:${pt} ${o.codec ?? 'PCMU'}/8000`,
      `a=rtpmap:${TELEPHONE_EVENT} telephone-event/8000`,
      `a=fmtp:${TELEPHONE_EVENT} 0-15`,
      'a=ptime:20',
      `a=${o.direction ?? 'sendrecv'}`,
      '',
    ].join('\r\n');
  }

  /** Calls `uri` (e.g. `sip:127.0.0.1:5060`) as `name`; resolves with the final status (2xx: ACKed, media running). */
  call(uri: string, name: string, o: { cancel?: boolean } = {}): Promise<number> {
    const tag = randomBytes(6).toString('hex');
    const callId = `${randomBytes(8).toString('hex')}@${this.address}`;
    const sdp = this.offer();
    const from = { name: `"${name}"`, uri: `sip:phone@${this.address}:${this.sipPort}`, params: { tag } };
    const invite: SipMessage = {
      method: 'INVITE',
      uri,
      headers: {
        to: { uri, params: {} },
        from,
        'call-id': callId,
        cseq: { method: 'INVITE', seq: 1 },
        contact: [{ uri: `sip:phone@${this.address}:${this.sipPort}`, params: {} }],
        'max-forwards': 70,
        'content-type': 'application/sdp',
        via: [],
      },
      content: sdp,
    };
    return new Promise((resolve) => {
      this.stack.send(invite, (rs) => {
        const status = rs.status ?? 0;
        if (status < 200) return;
        if (status < 300) {
          const contact = Array.isArray(rs.headers.contact) ? rs.headers.contact[0]!.uri : uri;
          this.dialog = { callId, from, to: rs.headers.to, contact, cseq: 1 };
          this.stack.send({ method: 'ACK', uri: contact, headers: { to: rs.headers.to, from, 'call-id': callId, cseq: { method: 'ACK', seq: 1 }, via: [] } });
          const c = /c=IN IP4 (\S+)/.exec(rs.content ?? '');
          const m = /m=audio (\d+)/.exec(rs.content ?? '');
          if (c && m) this.remoteMedia = { address: c[1]!, port: Number(m[1]) };
          this.timer ??= setInterval(() => this.sendFrame(), 20);
        }
        resolve(status);
      });
      // CANCEL as soon as the INVITE is out (same Via branch, RFC 3261 §9.1).
      const cancel = () => {
        const via = invite.headers.via?.[0];
        if (!via?.params.branch || !via.host) return setTimeout(cancel, 1);
        this.stack.send({ method: 'CANCEL', uri, headers: { via: structuredClone(invite.headers.via), to: { uri, params: {} }, from, 'call-id': callId, cseq: { method: 'CANCEL', seq: 1 } } }, () => undefined);
      };
      if (o.cancel) cancel();
    });
  }

  /** A re-INVITE in the call with a new offer; resolves with the status and the answer's SDP. */
  reInvite(o: { version: number; codec?: 'PCMU' | 'PCMA'; direction?: string }): Promise<{ status: number; sdp: string }> {
    const d = this.dialog!;
    return new Promise((resolve) =>
      this.stack.send(
        {
          method: 'INVITE',
          uri: d.contact,
          headers: { to: d.to, from: d.from, 'call-id': d.callId, cseq: { method: 'INVITE', seq: ++d.cseq }, contact: [{ uri: `sip:phone@${this.address}:${this.sipPort}`, params: {} }], 'content-type': 'application/sdp', via: [] },
          content: this.offer(o),
        },
        (rs) => {
          const status = rs.status ?? 0;
          if (status < 200) return;
          if (status < 300) this.stack.send({ method: 'ACK', uri: d.contact, headers: { to: d.to, from: d.from, 'call-id': d.callId, cseq: { method: 'ACK', seq: d.cseq }, via: [] } });
          resolve({ status, sdp: rs.content ?? '' });
        },
      ),
    );
  }

  /** The phone stops sending RTP (it is gone, as far as its media go). */
  stopMedia(): void {
    clearInterval(this.timer);
  }

  /** Was anything louder than silence heard since `since` (ms)? */
  heardSince(since: number, rms = 200): boolean {
    return this.heard.some((h) => h.at >= since && h.rms > rms);
  }

  /** Presses `keys` by RFC 4733 telephone-events in the RTP (`rtp`) or by SIP INFO with application/dtmf-relay. */
  async press(keys: string, how: 'rtp' | 'info'): Promise<void> {
    for (const key of keys) {
      if (how === 'info') await this.info(key);
      else this.queueEvent(key);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }

  /** Hangs up (BYE). */
  hangUp(): Promise<number> {
    const d = this.dialog;
    if (!d) return Promise.resolve(0);
    return new Promise((resolve) =>
      this.stack.send({ method: 'BYE', uri: d.contact, headers: { to: d.to, from: d.from, 'call-id': d.callId, cseq: { method: 'BYE', seq: ++d.cseq }, via: [] } }, (rs) => {
        if ((rs.status ?? 0) >= 200) resolve(rs.status!);
      }),
    );
  }

  close(): void {
    clearInterval(this.timer);
    this.stack.destroy();
    this.rtp.close();
  }

  private info(key: string): Promise<number> {
    const d = this.dialog!;
    return new Promise((resolve) =>
      this.stack.send(
        {
          method: 'INFO',
          uri: d.contact,
          headers: { to: d.to, from: d.from, 'call-id': d.callId, cseq: { method: 'INFO', seq: ++d.cseq }, 'content-type': 'application/dtmf-relay', via: [] },
          content: `Signal=${key}\r\nDuration=160\r\n`,
        },
        (rs) => {
          if ((rs.status ?? 0) >= 200) resolve(rs.status!);
        },
      ),
    );
  }

  /** One key press as RFC 4733 packets: three of the running event, then its end three times (same timestamp). */
  private queueEvent(key: string): void {
    const code = KEY_CODES[key] ?? Number(key);
    const start = this.timestamp;
    for (let i = 1; i <= 6; i++) {
      const end = i > 3;
      const payload = Buffer.from([code, (end ? 0x80 : 0) | 10, 0, 0]);
      payload.writeUInt16BE(Math.min(i, 4) * 160, 2);
      this.eventsQueue.push(this.packet(TELEPHONE_EVENT, start, payload, i === 1));
    }
  }

  private sendFrame(): void {
    if (!this.remoteMedia) return;
    const event = this.eventsQueue.shift();
    if (event) {
      this.rtp.send(event, this.remoteMedia.port, this.remoteMedia.address);
      this.timestamp += 160;
      return;
    }
    const pcm = Int16Array.from({ length: 160 }, () => (this.talking ? Math.round(9000 * Math.sin((2 * Math.PI * 300 * this.sample++) / 8000)) : 0));
    this.rtp.send(this.packet(0, this.timestamp, g711Encode('PCMU', pcm), false), this.remoteMedia.port, this.remoteMedia.address);
    this.timestamp += 160;
  }

  private packet(payloadType: number, timestamp: number, payload: Uint8Array, marker: boolean): Buffer {
    const p = Buffer.alloc(12 + payload.length);
    p[0] = 0x80;
    p[1] = (marker ? 0x80 : 0) | payloadType;
    p.writeUInt16BE(this.seq++ & 0xffff, 2);
    p.writeUInt32BE(timestamp >>> 0, 4);
    p.writeUInt32BE(this.ssrc, 8);
    p.set(payload, 12);
    return p;
  }

  /** INVITEs the phone was called with (it answers each with 200 and PCMU). */
  readonly invites: SipMessage[] = [];

  private onRequest(rq: SipMessage): void {
    if (rq.method === 'INVITE' && rq.headers.to?.params.tag === undefined) {
      this.invites.push(rq);
      const c = /c=IN IP4 (\S+)/.exec(rq.content ?? '');
      const m = /m=audio (\d+)/.exec(rq.content ?? '');
      if (c && m) this.remoteMedia = { address: c[1]!, port: Number(m[1]) };
      const answer = sip.makeResponse(rq, 200, 'OK');
      answer.headers.to = { ...rq.headers.to!, params: { ...rq.headers.to!.params, tag: randomBytes(6).toString('hex') } };
      answer.headers.contact = [{ uri: `sip:phone@${this.address}:${this.sipPort}`, params: {} }];
      answer.headers['content-type'] = 'application/sdp';
      answer.content = this.offer();
      this.stack.send(answer);
      this.timer ??= setInterval(() => this.sendFrame(), 20);
      return;
    }
    if (rq.method === 'BYE') {
      this.stack.send(sip.makeResponse(rq, 200, 'OK'));
      clearInterval(this.timer);
      this.gotBye(rq);
      return;
    }
    if (rq.method !== 'ACK') this.stack.send(sip.makeResponse(rq, 200, 'OK'));
  }
}
