import { randomInt } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { ticker } from '../mixer/ticker.ts';
import { opusCodecs } from '../recorder/opus-codec.ts';
import { g711Encode } from './g711.ts';
import { Upsampler } from './pcm.ts';
import { rtpPayload } from './rtp-leg.ts';
import { rtpPacket } from './rtp-packet.ts';
import { type LegOffer, readLegOffer, writeLegAnswer } from './rtp-sdp.ts';
import { KeyPresses } from './telephone-event.ts';

/** Narrowband samples per 20 ms frame. */
const FRAME = 160;
const MAX_DATAGRAM = 1500;

/**
 * The media of a SIP call that is answered before it is in a meeting (dial-in to the bare host, or without the
 * passcode): it speaks the gateway's prompts to the device and hears the keys it presses (RFC 4733 telephone-events).
 * It runs in the gateway's process, on a UDP port that the meeting's plain RTP leg takes over once the caller is
 * admitted (close() frees it; the device goes on sending to the same address). Prompts are 8 kHz PCM; they are sent
 * in the codec negotiated from the device's offer (G.711 as is, Opus brought to 48 kHz), silence between them, every
 * 20 ms as a call's audio would be.
 */
export class PromptLeg {
  private readonly queue: Int16Array[] = [];
  private readonly drained: Array<() => void> = [];
  private readonly keys = new KeyPresses();
  private readonly ssrc = randomInt(1, 2 ** 32);
  private seq = randomInt(0, 65_536);
  private timestamp = randomInt(0, 2 ** 32);
  private remote: { address: string; port: number };
  private readonly upsampler = new Upsampler();
  private readonly encoder;
  private readonly unticks: () => void;
  private next = Date.now();
  private closed = false;
  /** When the device's RTP last arrived (ms), for the media timeout; the time the leg opened until then. */
  lastHeard = Date.now();
  /** Called with each key the device presses (0–9, *, #, A–D). */
  onKey: (key: string) => void = () => undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly offer: LegOffer,
  ) {
    this.remote = offer.remote;
    this.encoder = offer.codec.name === 'opus' ? opusCodecs.encoder() : undefined;
    socket.on('message', (msg, from) => this.receive(msg, from));
    this.unticks = ticker.add((now) => this.tick(now));
  }

  /** Opens the leg for the device's offer on `address` (any free port) with the SDP answer naming it. Rejects like RtpLeg.open. */
  static async open(offerSdp: string, address: string): Promise<{ leg: PromptLeg; answer: string }> {
    const offer = readLegOffer(offerSdp);
    const socket = createSocket('udp4');
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.bind(0, address, resolve));
    return { leg: new PromptLeg(socket, offer), answer: writeLegAnswer(offerSdp, offer, address, socket.address().port) };
  }

  /** The UDP port the device sends to (the meeting's leg binds it after close()). */
  get port(): number {
    return this.socket.address().port;
  }

  /** Queues 8 kHz prompts to be spoken after what is queued; resolves when everything queued has been sent. */
  say(...prompts: Int16Array[]): Promise<void> {
    this.queue.push(...prompts);
    return new Promise((resolve) => (this.closed ? resolve() : this.drained.push(resolve)));
  }

  /** Drops what is still to be said (the caller started typing). */
  hush(): void {
    this.queue.length = 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unticks();
    this.socket.close();
    for (const resolve of this.drained.splice(0)) resolve();
  }

  private tick(now: number): void {
    // Frames go out on a 20 ms grid from the start, catching up after a late timer, never more than a few at once.
    if (now - this.next > 100) this.next = now;
    while (!this.closed && this.next <= now) {
      this.next += 20;
      this.send(this.frame());
    }
  }

  /** The next 160 samples to say (silence when nothing is queued). */
  private frame(): Int16Array {
    const frame = new Int16Array(FRAME);
    let filled = 0;
    while (filled < FRAME && this.queue.length > 0) {
      const head = this.queue[0]!;
      const n = Math.min(FRAME - filled, head.length);
      frame.set(head.subarray(0, n), filled);
      filled += n;
      if (n === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(n);
    }
    if (this.queue.length === 0 && this.drained.length > 0) {
      const waiting = this.drained.splice(0);
      // After this frame is out: the caller that awaited the prompt acts once it has been heard.
      queueMicrotask(() => waiting.forEach((resolve) => resolve()));
    }
    return frame;
  }

  private send(pcm: Int16Array): void {
    const { codec } = this.offer;
    const payload = this.encoder ? this.encoder.encode(this.upsampler.up(pcm)) : g711Encode(codec.name as 'PCMU' | 'PCMA', pcm);
    const packet = rtpPacket(codec.payloadType, this.seq, this.timestamp, this.ssrc, payload);
    this.seq = (this.seq + 1) & 0xffff;
    this.timestamp = (this.timestamp + (codec.name === 'opus' ? FRAME * 6 : FRAME)) >>> 0;
    this.socket.send(packet, this.remote.port, this.remote.address);
  }

  private receive(msg: Buffer, from: RemoteInfo): void {
    if (this.closed || msg.length < 12 || msg.length > MAX_DATAGRAM || msg[0]! >> 6 !== 2) return;
    const payloadType = msg[1]! & 0x7f;
    if (payloadType >= 72 && payloadType <= 76) return; // RTCP on the same port
    this.lastHeard = Date.now();
    // Symmetric RTP: answer where the device really sends from.
    this.remote = { address: from.address, port: from.port };
    if (payloadType !== this.offer.telephoneEvent) return;
    const payload = rtpPayload(msg);
    const key = payload ? this.keys.take(msg.readUInt32BE(4), payload) : undefined;
    if (key !== undefined) this.onKey(key);
  }
}
