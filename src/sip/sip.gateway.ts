import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import sip, { type NameAddr, type Remote, type SipMessage, type Stack } from 'sip';
import type { Reason } from '../../contract/signal/reasons.ts';
import { addressKey } from '../kernel/address.ts';
import type { Budget } from '../kernel/budget.ts';
import { DomainError } from '../kernel/domain-error.ts';
import type { LiveMedia } from '../live/live-media.ts';
import type { RtpLegSettings } from '../media/engine.ts';
import type { LiveMeeting } from '../live/live-meeting.ts';
import type { Fanout, LiveService } from '../live/live.service.ts';
import type { Notice } from '../live/notices.ts';
import type { Participant } from '../live/participant.ts';
import { g711Decode } from '../media/rtp/g711.ts';
import { PromptLeg } from '../media/rtp/prompt-leg.ts';
import { type LegReanswer, readLegOffer, writeLegReanswer } from '../media/rtp/rtp-sdp.ts';
import { callerName, dialTarget, infoKey, passcodeAnswer, refusal, type SipAnswer } from './dial-in.ts';
import { FloodGuard } from './flood-guard.ts';
import { type MenuAdmission, type MenuOptions, MENU_DEFAULTS, PROMPT_NAMES, type PromptName, VoiceMenu } from './voice-menu.ts';

export interface SipGatewayOptions {
  /** IPv4 address the stack binds, announces in Contact and gives the RTP legs (their SDP's c= line). */
  address: string;
  port: number;
  tcp: boolean;
  /** Calls the gateway carries at once (the licence's gateway calls); more are refused with 486. */
  maxCalls: number;
  /** The spoken menu's limits (tries per call for the number and the passcode); defaults otherwise. */
  menu?: Partial<MenuOptions>;
  /** SIP requests taken per source address per second; more are dropped unanswered. */
  requestsPerSecond: number;
  /** New calls (INVITEs) per source address, a Budget (shared between nodes when the budgets are); beyond: 503. */
  invitesPerAddress: Budget;
  /** A call whose device sends no RTP for this long is hung up (0: never). */
  mediaTimeoutMs: number;
}

export interface SipGatewayLog {
  info(fields: Record<string, unknown>, what: string): void;
  warn(fields: Record<string, unknown>, what: string): void;
  error(error: unknown, what: string): void;
}

/** One SIP call: the dialog and the participant it is in the meeting. */
interface SipCall {
  callId: string;
  /** The caller's INVITE (dial-in) or ours (dial-out). */
  invite: SipMessage;
  /** Our tag in the dialog (the To tag of our answers, the From tag of our BYE). */
  localTag: string;
  /** The two ends as the dialog names them (with tags): ours, and the device's (its tag once it answered). */
  local: NameAddr;
  remote: NameAddr;
  /** Where in-dialog requests to the device go: its Contact. */
  remoteContact: string;
  state: 'joining' | 'active' | 'ended';
  /** The caller sent CANCEL while the call was being set up. */
  cancelled: boolean;
  /** The participant id the call joins under (one per call: the passcode budget per participant counts its tries). */
  clientId: string;
  /** Where the caller's INVITE came from (the address its passcode tries are counted against). */
  source: string;
  /** While the caller is guided by spoken prompts (answered, not yet in the meeting): their media and the menu. */
  menu?: { leg: PromptLeg; menu: VoiceMenu };
  /** The codec of the call's audio (dial-out: from the device's answer; dial-in: from its offer, when unset). */
  codec?: 'opus' | 'PCMU' | 'PCMA';
  /** The device put the call on hold (its last offer sends nothing): its silence is not a media timeout. */
  onHold?: boolean;
  meeting?: LiveMeeting;
  participant?: Participant;
  answerSdp?: string;
  cseq: number;
}

const ALLOW = 'INVITE, ACK, BYE, CANCEL, OPTIONS, INFO';
/** Largest SIP message taken (headers and body): an INVITE with an SDP is a few kilobytes. */
const MAX_MESSAGE_BYTES = 16 * 1024;

/**
 * The SIP gateway: SIP phones and room systems dial into meetings as participants (transport 'sip'). A caller dials
 * `sip:{meeting number}@host` (or `{number}*{passcode}`); the INVITE's SDP offer becomes a plain RTP leg in the
 * meeting's media room (it hears the meeting mixed, minus itself; its audio reaches everyone); the From header's display
 * name is its name in the roster. The live service admits it like anyone joining as a guest (lock, guest setting,
 * passcode budgets, call capacity), and the host controls act on it: mute (the SFU stops forwarding it), remove and
 * stop (this gateway sends BYE). It is also the Fanout of the 'sip' transport: a device has no screen for notices, so it
 * is only ever disconnected.
 *
 * A call to the bare host (or to a meeting number without the passcode it needs) is answered by the gateway itself
 * and guided by spoken prompts (src/sip/voice-menu.ts): the caller enters the number and passcode by DTMF (RFC 4733 or
 * SIP INFO), each try admitted by the live service as above; once admitted, the meeting's plain RTP leg takes over the
 * prompts' UDP port, so the device's media need no re-INVITE.
 *
 * Not done: video, SRTP, TLS, G.722.
 */
export class SipGateway implements Fanout {
  private readonly calls = new Map<string, SipCall>();
  private readonly byParticipant = new Map<string, SipCall>();
  private readonly prompts = loadPrompts();
  private readonly flood: FloodGuard;
  private stack: Stack | undefined;
  private watchdog: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly live: LiveService,
    private readonly media: LiveMedia,
    private readonly options: SipGatewayOptions,
    private readonly log: SipGatewayLog,
  ) {
    this.flood = new FloodGuard(options.requestsPerSecond);
    // The media worker says a call's device went silent (gone without a BYE): hung up, unless it is on hold.
    media.rtpSilent = (participantId) => {
      const call = this.byParticipant.get(participantId);
      if (call && !call.onHold) this.mediaLost(call);
    };
  }

  /** Gateway calls in progress (the capacity the system API reports). */
  get activeCalls(): number {
    return this.calls.size;
  }

  start(): void {
    this.stack = sip.create(
      {
        address: this.options.address,
        port: this.options.port,
        udp: true,
        tcp: this.options.tcp,
        publicAddress: this.options.address,
        maxBytesHeaders: MAX_MESSAGE_BYTES,
        maxContentLength: MAX_MESSAGE_BYTES,
        logger: {
          error: (e) => this.log.error(e, 'SIP stack'),
          // Called for every message before the stack keeps state for it: a request beyond its address's rate loses
          // its method, so the stack takes it for a stray response and drops it (no transaction, no answer).
          recv: (m, remote) => {
            if (m.method !== undefined && !this.flood.allow(remote.address, Date.now())) m.method = undefined;
          },
        },
      },
      (request, remote) => this.onRequest(request, remote),
    );
    // Calls still in the spoken menu are watched here (their media are this process's); the others by their worker.
    if (this.options.mediaTimeoutMs > 0) {
      this.watchdog = setInterval(() => {
        const now = Date.now();
        for (const call of this.calls.values()) if (call.menu && now - call.menu.leg.lastHeard > this.options.mediaTimeoutMs) this.mediaLost(call);
      }, 1000);
      this.watchdog.unref();
    }
  }

  /** The device sent no media for the timeout: it is hung up and leaves the meeting. */
  private mediaLost(call: SipCall): void {
    this.log.info({ participant: call.participant?.clientId }, 'SIP call: no media from the device; hanging up');
    this.endCall(call, 'no media received');
  }

  /** Hangs up every call (BYE) and closes the listeners. */
  close(): void {
    clearInterval(this.watchdog);
    for (const call of [...this.calls.values()]) this.hangUp(call, 'the server is shutting down');
    this.stack?.destroy();
    this.stack = undefined;
  }

  // ---- Fanout of the 'sip' transport ----------------------------------------------------------------------------

  deliver(meeting: LiveMeeting, recipients: readonly Participant[], notice: Notice): void {
    // The media worker holding the call's leg was lost: the leg's port is gone with it, so the call ends (the device
    // may dial again) rather than wait for media that cannot come back without a re-INVITE (not done).
    if (notice.kind !== 'mediaRestart') return;
    for (const p of recipients) {
      const call = this.byParticipant.get(p.clientId);
      if (!call) continue;
      this.hangUp(call, 'media connection lost');
      this.live.leave(meeting, p, 'MeetingInterrupt', 'media connection lost', 'media lost');
    }
  }

  disconnect(_meeting: LiveMeeting, participant: Participant, reason: Reason, message: string): void {
    const call = this.byParticipant.get(participant.clientId);
    if (call) this.hangUp(call, `${reason}: ${message}`);
  }

  /** Never called: a SIP call is refused rather than held in a lobby (LiveService), so none is admitted from one. */
  admitted(): void {}

  /**
   * The settings of a call's RTP leg: on the gateway's address, watched for silence, announcing the call rate — the
   * cascading call's `call_rate` when it gave one, else the meeting's `call_rate_type` (e.g. 2048K).
   */
  private leg(meeting: LiveMeeting, kbps?: number): RtpLegSettings {
    const rate = kbps ?? Number.parseInt(meeting.settings.callRate, 10);
    return { address: this.options.address, mediaTimeoutMs: this.options.mediaTimeoutMs, ...(Number.isInteger(rate) && rate > 0 ? { kbps: rate } : {}) };
  }

  // ---- dial-out -------------------------------------------------------------------------------------------------

  /**
   * Calls a SIP device into the meeting (the cascading call, protocol SIP): it is in the roster as `name` at once
   * (a participant with no media until it answers), and leaves it when it refuses, does not answer, or hangs up. The
   * INVITE offers Opus, PCMU and PCMA from a plain RTP leg of the meeting's media room. Resolves once the INVITE is
   * sent; a call the server cannot place (capacity, media) rejects with a DomainError.
   */
  async dialOut(meeting: LiveMeeting, target: { name: string; uri: string; kbps?: number }): Promise<void> {
    if (!this.stack) throw new DomainError('service.unavailable', 'the SIP gateway is not running');
    if (this.calls.size >= this.options.maxCalls) throw new DomainError('service.unavailable', 'the SIP gateway’s call capacity (CONVENE_GATEWAY_MAX_CALLS) is reached');
    const added = await this.live.addCallee(meeting, { clientId: `sip-${randomUUID()}`, displayName: callerName(target.name, undefined), address: this.options.address, transport: 'sip' });
    if ('kind' in added) throw new DomainError('service.unavailable', `avc_call_params: ${added.message}`);
    const participant = added;
    const localTag = randomBytes(8).toString('hex');
    const callId = `${randomUUID()}@${this.options.address}`;
    const local: NameAddr = { name: '"Convene"', uri: `sip:${meeting.meetingNumber}@${this.options.address}`, params: { tag: localTag } };
    const invite: SipMessage = {
      method: 'INVITE',
      uri: target.uri,
      headers: {
        to: { uri: target.uri, params: {} },
        from: local,
        'call-id': callId,
        cseq: { method: 'INVITE', seq: 1 },
        contact: [{ uri: `sip:${meeting.meetingNumber}@${this.options.address}:${this.options.port}`, params: {} }],
        'max-forwards': 70,
        allow: ALLOW,
        'content-type': 'application/sdp',
        via: [],
      },
    };
    const call: SipCall = { callId, invite, localTag, local, remote: invite.headers.to!, remoteContact: target.uri, state: 'joining', cancelled: false, clientId: participant.clientId, source: this.options.address, meeting, participant, cseq: 1 };
    this.calls.set(callId, call);
    this.byParticipant.set(participant.clientId, call);
    try {
      invite.content = await this.media.offerRtp(meeting, participant, this.leg(meeting, target.kbps));
    } catch (error) {
      this.forget(call);
      this.live.leave(meeting, participant, 'ServerError', 'media could not be set up', 'media failed');
      throw error;
    }
    if (call.state !== 'joining') return; // removed while the media were set up
    this.stack.send(invite, (rs) => this.onDialResponse(call, rs));
    this.log.info({ meetingNumber: meeting.meetingNumber, participant: participant.clientId }, 'SIP dial-out: calling');
  }

  private onDialResponse(call: SipCall, rs: SipMessage): void {
    const status = rs.status ?? 0;
    if (status < 200) return;
    const { meeting, participant } = call;
    if (status >= 300) {
      const ended = call.state === 'ended';
      this.forget(call);
      this.log.info({ participant: participant?.clientId, status }, 'SIP dial-out: refused by the device');
      if (!ended && meeting && participant) this.live.leave(meeting, participant, 'ServerReject', `the call was refused (${status})`, 'call refused');
      return;
    }
    // 2xx: ACK it (RFC 3261: the caller acknowledges every 2xx, also one repeated after the call ended).
    const contact = Array.isArray(rs.headers.contact) ? rs.headers.contact[0]?.uri : undefined;
    this.stack?.send({
      method: 'ACK',
      uri: contact ?? call.remoteContact,
      headers: { to: rs.headers.to!, from: rs.headers.from!, 'call-id': call.callId, cseq: { method: 'ACK', seq: rs.headers.cseq?.seq ?? 1 }, via: [] },
    });
    if (call.state !== 'joining') {
      if (call.state === 'ended') this.hangUpDialog(call.callId, rs, contact);
      return;
    }
    call.remote = rs.headers.to!;
    if (contact) call.remoteContact = contact;
    call.state = 'active';
    // Our SDP in the call is our offer; a re-INVITE from the device is answered from it, in the codec it chose.
    call.answerSdp = call.invite.content;
    try {
      call.codec = readLegOffer(rs.content ?? '').codec.name;
    } catch {
      call.codec = undefined; // acceptRtp below refuses the answer and hangs up
    }
    if (!meeting || !participant) return;
    this.media.acceptRtp(meeting, participant, rs.content ?? '').then(
      () => this.log.info({ meetingNumber: meeting.meetingNumber, participant: participant.clientId }, 'SIP dial-out: answered'),
      (error: unknown) => {
        this.log.warn({ participant: participant.clientId, reason: (error as Error).message }, 'SIP dial-out: the answer cannot be served');
        this.hangUp(call, 'no usable media in the answer');
        this.live.leave(meeting, participant, 'ServerError', 'media could not be set up', 'media failed');
      },
    );
  }

  /** A device answered a call that had already ended here (removed while ringing): it is hung up at once. */
  private hangUpDialog(callId: string, rs: SipMessage, contact: string | undefined): void {
    this.stack?.send({
      method: 'BYE',
      uri: contact ?? rs.headers.to!.uri,
      headers: { to: rs.headers.to!, from: rs.headers.from!, 'call-id': callId, cseq: { method: 'BYE', seq: 2 }, via: [] },
    });
  }

  // ---- requests -------------------------------------------------------------------------------------------------

  private onRequest(rq: SipMessage, remote: Remote): void {
    try {
      switch (rq.method) {
        case 'INVITE':
          this.onInvite(rq, remote);
          return;
        case 'ACK':
          return;
        case 'BYE':
          this.onBye(rq);
          return;
        case 'CANCEL':
          this.onCancel(rq);
          return;
        case 'INFO':
          this.onInfo(rq);
          return;
        case 'OPTIONS':
          this.reply(rq, { status: 200, reason: 'OK' }, { allow: ALLOW, accept: 'application/sdp' });
          return;
        default:
          this.reply(rq, { status: 405, reason: 'Method Not Allowed' }, { allow: ALLOW });
      }
    } catch (error) {
      this.log.error(error, `SIP ${rq.method ?? 'message'} from ${remote.address}`);
      if (rq.method !== 'ACK') this.reply(rq, { status: 500, reason: 'Server Internal Error' });
    }
  }

  private onInvite(rq: SipMessage, remote: Remote): void {
    const callId = rq.headers['call-id'];
    if (!callId || !rq.headers.from || !rq.headers.to) {
      this.reply(rq, { status: 400, reason: 'Bad Request (Call-ID, From and To are required)' });
      return;
    }
    const existing = this.calls.get(callId);
    if (rq.headers.to.params.tag !== undefined) {
      if (existing?.state === 'active' && existing.answerSdp && (existing.localTag === rq.headers.to.params.tag || existing.localTag === rq.headers.from.params.tag)) {
        this.onReInvite(existing, rq);
      } else {
        this.reply(rq, { status: 481, reason: 'Call/Transaction Does Not Exist' });
      }
      return;
    }
    if (existing) return; // a retransmission of an INVITE being handled
    this.reply(rq, { status: 100, reason: 'Trying' });
    if (this.calls.size >= this.options.maxCalls) {
      this.reply(rq, { status: 486, reason: 'Gateway Call Capacity Reached' });
      return;
    }
    const contact = Array.isArray(rq.headers.contact) ? rq.headers.contact[0]?.uri : undefined;
    const localTag = randomBytes(8).toString('hex');
    const call: SipCall = {
      callId,
      invite: rq,
      localTag,
      local: { ...rq.headers.to, params: { ...rq.headers.to.params, tag: localTag } },
      remote: rq.headers.from,
      remoteContact: contact ?? rq.headers.from.uri,
      state: 'joining',
      cancelled: false,
      clientId: `sip-${randomUUID()}`,
      source: remote.address,
      cseq: 1,
    };
    this.calls.set(callId, call);
    // The request URI names the meeting (and passcode); the bare host (or anything else) gets the spoken menu.
    const target = dialTarget(sip.parseUri(rq.uri ?? '').user);
    const type = String(rq.headers['content-type'] ?? '').toLowerCase();
    const dialled = this.withinInviteBudget(remote.address).then((ok) => {
      // Every new INVITE spends the budget, whatever comes of it. RFC 3261 §21.5.4: 503 with Retry-After (the
      // budget's window) tells a well-behaved device when to try again.
      if (!ok) return this.fail(call, { status: 503, reason: 'Too Many Calls From Your Address' }, undefined, { 'retry-after': 60 });
      if (!rq.content || !type.startsWith('application/sdp')) return this.fail(call, { status: 488, reason: 'SDP Offer Required' });
      return target ? this.join(call, target) : this.answerWithMenu(call, undefined);
    });
    void dialled.catch((error: unknown) => {
      this.log.error(error, 'SIP dial-in');
      if (call.state === 'joining') this.fail(call, { status: 500, reason: 'Server Internal Error' });
      else this.endCall(call, 'server error');
    });
  }

  /**
   * A re-INVITE in a running call. Without SDP (a session refresh): our last SDP again. With a new offer: answered
   * with the same address, port and codec and the direction mirrored (hold and resume; on hold, the device's silence
   * does not end the call); an offer that drops the codec in use gets 488 and the call goes on as it was. The media
   * leg itself is left as it is: it keeps sending (a device on hold ignores it) and follows the device's real source.
   */
  private onReInvite(call: SipCall, rq: SipMessage): void {
    const type = String(rq.headers['content-type'] ?? '').toLowerCase();
    if (!rq.content || !type.startsWith('application/sdp')) {
      this.reply(rq, { status: 200, reason: 'OK' }, this.answerHeaders(call, rq), call.answerSdp);
      return;
    }
    let answer: LegReanswer;
    try {
      answer = writeLegReanswer(call.answerSdp!, rq.content, call.codec ?? readLegOffer(call.invite.content ?? '').codec.name);
    } catch (error) {
      this.reply(rq, { status: 488, reason: 'Not Acceptable Here' }, { warning: `399 convene "${(error as Error).message.replace(/["\\\r\n]/g, ' ').slice(0, 200)}"` });
      return;
    }
    call.answerSdp = answer.sdp;
    call.onHold = answer.hold;
    this.reply(rq, { status: 200, reason: 'OK' }, this.answerHeaders(call, rq), answer.sdp);
  }

  /** Spends one new call from the caller's address's budget; false when it was spent already. */
  private async withinInviteBudget(address: string): Promise<boolean> {
    const key = addressKey(address);
    if ((await this.options.invitesPerAddress.peek(key)).remaining === 0) return false;
    await this.options.invitesPerAddress.spend(key);
    return true;
  }

  /** The live service's admission of the caller to `meetingNumber` (with the passcode it gave, if any). */
  private admit(call: SipCall, meetingNumber: string, passcode: string | undefined) {
    const from = call.invite.headers.from!;
    return this.live.admit({
      meetingNumber,
      clientId: call.clientId,
      displayName: callerName(from.name, sip.parseUri(from.uri).user),
      ...(passcode !== undefined ? { passcode } : {}),
      address: call.source,
      videoMuted: true,
      transport: 'sip',
    });
  }

  /** Dial-in with the meeting number in the request URI: admitted at once, or asked for the passcode by the menu. */
  private async join(call: SipCall, target: NonNullable<ReturnType<typeof dialTarget>>): Promise<void> {
    const admission = await this.admit(call, target.meetingNumber, target.passcode);
    if (admission.kind === 'passcode') {
      // No passcode in the URI: the caller is answered and asked for it; a wrong one in the URI is refused.
      if (!admission.rejected && !call.cancelled && call.state === 'joining') return this.answerWithMenu(call, target.meetingNumber);
      return this.fail(call, passcodeAnswer(admission.rejected));
    }
    if (admission.kind === 'refused') return this.fail(call, refusal(admission.reason));
    if (admission.kind !== 'joined') return this.fail(call, { status: 480, reason: 'Meeting Unavailable' });
    const { meeting, participant } = admission;
    call.meeting = meeting;
    call.participant = participant;
    this.byParticipant.set(participant.clientId, call);
    let answer: string;
    try {
      answer = await this.media.publish(meeting, participant, call.invite.content!, { kind: 'rtp', ...this.leg(meeting) });
    } catch (error) {
      this.byParticipant.delete(participant.clientId);
      call.state = 'ended';
      this.live.leave(meeting, participant, 'ServerError', 'media could not be set up', 'media failed');
      const bad = error instanceof DomainError && error.kind === 'input.invalid';
      if (!bad) this.log.error(error, 'SIP dial-in: media');
      return this.fail(call, bad ? { status: 488, reason: 'Not Acceptable Here' } : { status: 503, reason: 'Media Unavailable' }, bad ? (error as Error).message : undefined);
    }
    if (call.cancelled || call.state !== 'joining' || meeting.get(participant.clientId) !== participant) {
      // Cancelled, or removed (stop, remove) while the media were set up.
      this.byParticipant.delete(participant.clientId);
      if (meeting.get(participant.clientId) === participant) {
        call.state = 'ended';
        this.live.leave(meeting, participant, 'Aborted', 'the call was cancelled', 'cancelled');
      }
      return this.fail(call, { status: 487, reason: 'Request Terminated' });
    }
    call.state = 'active';
    call.answerSdp = answer;
    this.reply(call.invite, { status: 200, reason: 'OK' }, this.answerHeaders(call), answer);
    this.log.info({ meetingNumber: meeting.meetingNumber, participant: participant.clientId }, 'SIP call joined the meeting');
  }

  // ---- the spoken menu (DTMF entry) -----------------------------------------------------------------------------

  /**
   * Answers the call with the gateway's own media (prompts, DTMF) and runs the menu: the meeting number (unless given)
   * and the passcode are asked for; once admitted the meeting's plain RTP leg takes the menu's port over.
   */
  private async answerWithMenu(call: SipCall, meetingNumber: string | undefined): Promise<void> {
    let opened: { leg: PromptLeg; answer: string };
    try {
      opened = await PromptLeg.open(call.invite.content!, this.options.address);
    } catch (error) {
      return this.fail(call, { status: 488, reason: 'Not Acceptable Here' }, (error as Error).message);
    }
    if (call.cancelled || call.state !== 'joining') {
      opened.leg.close();
      return this.fail(call, { status: 487, reason: 'Request Terminated' });
    }
    const { leg } = opened;
    const menu = new VoiceMenu(
      {
        say: (...names) => leg.say(...names.map((n) => this.prompts.get(n)!)),
        hush: () => leg.hush(),
        admit: (number, passcode) => this.menuAdmit(call, number, passcode),
        joined: () => void this.connectMenuCall(call),
        end: (why) => this.endCall(call, why),
      },
      { ...MENU_DEFAULTS, ...this.options.menu },
    );
    leg.onKey = (key) => menu.key(key);
    call.menu = { leg, menu };
    call.state = 'active';
    call.answerSdp = opened.answer;
    this.reply(call.invite, { status: 200, reason: 'OK' }, this.answerHeaders(call), opened.answer);
    menu.start(meetingNumber);
  }

  private async menuAdmit(call: SipCall, meetingNumber: string, passcode: string | undefined): Promise<MenuAdmission> {
    const admission = await this.admit(call, meetingNumber, passcode);
    if (admission.kind === 'passcode') return { kind: 'passcode', rejected: admission.rejected };
    if (admission.kind === 'refused') return { kind: 'refused', tooMany: admission.reason === 'PasscodeTooManyRetries', message: admission.message };
    if (admission.kind !== 'joined') return { kind: 'refused', tooMany: false, message: 'the meeting cannot take the call' };
    if (call.state !== 'active') {
      // The caller hung up while the admission was decided.
      this.live.leave(admission.meeting, admission.participant, 'StatusOk', 'hung up', 'hung up');
      return { kind: 'refused', tooMany: false, message: 'hung up' };
    }
    call.meeting = admission.meeting;
    call.participant = admission.participant;
    this.byParticipant.set(admission.participant.clientId, call);
    this.log.info({ meetingNumber, participant: admission.participant.clientId }, 'SIP call admitted by the spoken menu');
    return { kind: 'joined' };
  }

  /** The menu is done: its port is handed to the meeting's plain RTP leg (the device keeps sending there). */
  private async connectMenuCall(call: SipCall): Promise<void> {
    const { meeting, participant, menu } = call;
    if (!meeting || !participant || !menu || call.state !== 'active') return;
    const port = menu.leg.port;
    menu.leg.close();
    call.menu = undefined;
    try {
      await this.media.publish(meeting, participant, call.invite.content!, { kind: 'rtp', ...this.leg(meeting), port });
    } catch (error) {
      this.log.warn({ participant: participant.clientId, reason: (error as Error).message }, 'SIP call: the media could not join the meeting');
      if (call.state !== 'active') return;
      this.hangUp(call, 'media could not be set up');
      this.live.leave(meeting, participant, 'ServerError', 'media could not be set up', 'media failed');
      return;
    }
    this.log.info({ meetingNumber: meeting.meetingNumber, participant: participant.clientId }, 'SIP call joined the meeting');
  }

  /** Hangs up an answered call (BYE) and takes its participant, if any, out of the meeting. */
  private endCall(call: SipCall, why: string): void {
    if (call.state === 'ended') return;
    const { meeting, participant } = call;
    this.hangUp(call, why);
    if (meeting && participant && meeting.get(participant.clientId) === participant) this.live.leave(meeting, participant, 'StatusOk', why, 'hung up');
  }

  private onBye(rq: SipMessage): void {
    const call = this.calls.get(rq.headers['call-id'] ?? '');
    if (!call || call.state !== 'active') {
      this.reply(rq, { status: 481, reason: 'Call/Transaction Does Not Exist' });
      return;
    }
    this.reply(rq, { status: 200, reason: 'OK' });
    this.forget(call);
    if (call.meeting && call.participant) this.live.leave(call.meeting, call.participant, 'StatusOk', 'hung up', 'hung up');
  }

  private onCancel(rq: SipMessage): void {
    const call = this.calls.get(rq.headers['call-id'] ?? '');
    if (!call) {
      this.reply(rq, { status: 481, reason: 'Call/Transaction Does Not Exist' });
      return;
    }
    this.reply(rq, { status: 200, reason: 'OK' });
    if (call.state !== 'joining' || call.cancelled) return;
    // The INVITE is ended now (487); what was being set up for it is undone when that step returns (join, menu).
    call.cancelled = true;
    this.reply(call.invite, { status: 487, reason: 'Request Terminated' }, { to: { ...call.invite.headers.to!, params: { ...call.invite.headers.to!.params, tag: call.localTag } } });
  }

  /** SIP INFO in a call: DTMF (application/dtmf-relay, application/dtmf) goes to the menu; other bodies get 415. */
  private onInfo(rq: SipMessage): void {
    const call = this.calls.get(rq.headers['call-id'] ?? '');
    if (!call || call.state !== 'active') {
      this.reply(rq, { status: 481, reason: 'Call/Transaction Does Not Exist' });
      return;
    }
    const type = String(rq.headers['content-type'] ?? '').toLowerCase();
    if (rq.content && !/^application\/dtmf(-relay)?\b/.test(type)) {
      this.reply(rq, { status: 415, reason: 'Unsupported Media Type' }, { accept: 'application/dtmf-relay, application/dtmf' });
      return;
    }
    this.reply(rq, { status: 200, reason: 'OK' });
    const key = infoKey(rq.content ?? '');
    if (key !== undefined) call.menu?.menu.key(key);
  }

  // ---- helpers --------------------------------------------------------------------------------------------------

  /** Ends a call that is being set up with a final error answer. */
  private fail(call: SipCall, answer: SipAnswer, warning?: string, extra: Record<string, unknown> = {}): void {
    this.forget(call);
    if (call.cancelled) return; // answered 487 when the CANCEL came
    // RFC 3261 §20.43: a Warning says in words what the phrase cannot (399: miscellaneous).
    const to = call.invite.headers.to!;
    this.reply(call.invite, answer, {
      ...extra,
      to: { ...to, params: { ...to.params, tag: call.localTag } },
      ...(warning ? { warning: `399 convene "${warning.replace(/["\\\r\n]/g, ' ').slice(0, 200)}"` } : {}),
    });
  }

  /** Sends BYE for an active call and forgets it (its participant is taken out by whoever called this). */
  private hangUp(call: SipCall, why: string): void {
    const wasActive = call.state === 'active';
    this.forget(call);
    if (!wasActive || !this.stack) return;
    this.stack.send(
      {
        method: 'BYE',
        uri: call.remoteContact,
        headers: {
          to: call.remote,
          from: call.local,
          'call-id': call.callId,
          cseq: { method: 'BYE', seq: ++call.cseq },
          via: [],
          // RFC 3326: why the call ends, for the device's log.
          reason: `SIP;cause=200;text="${why.replace(/["\\\r\n]/g, ' ').slice(0, 200)}"`,
        },
      },
      () => undefined,
    );
  }

  private forget(call: SipCall): void {
    call.state = 'ended';
    if (call.menu) {
      call.menu.menu.close();
      call.menu.leg.close();
      call.menu = undefined;
    }
    this.calls.delete(call.callId);
    if (call.participant) this.byParticipant.delete(call.participant.clientId);
  }

  /** Headers of a 2xx in the call: our tag on the To of the request answered (the INVITE, or a re-INVITE), Contact, Allow. */
  private answerHeaders(call: SipCall, rq: SipMessage = call.invite): Record<string, unknown> {
    const to = rq.headers.to!;
    return { to: { ...to, params: { ...to.params, tag: to.params.tag ?? call.localTag } }, contact: [{ uri: `sip:convene@${this.options.address}:${this.options.port}`, params: {} }], allow: ALLOW };
  }

  private reply(rq: SipMessage, answer: SipAnswer, headers: Record<string, unknown> = {}, sdp?: string): void {
    if (!this.stack) return;
    const response = sip.makeResponse(rq, answer.status, answer.reason);
    Object.assign(response.headers, headers);
    if (sdp !== undefined) {
      response.headers['content-type'] = 'application/sdp';
      response.content = sdp;
    }
    this.stack.send(response);
  }
}

/** The spoken prompts (src/sip/prompts/*.ulaw: 8 kHz G.711 µ-law, made by scripts/sip-prompts.sh), as 8 kHz PCM. */
function loadPrompts(): Map<PromptName, Int16Array> {
  const folder = joinPath(import.meta.dirname, 'prompts');
  return new Map(PROMPT_NAMES.map((name) => [name, g711Decode('PCMU', readFileSync(joinPath(folder, `${name}.ulaw`)))]));
}
