import type { Reason } from '../../contract/signal/reasons.ts';

/**
 * The rules of a SIP dial-in, without the SIP stack: what the request URI asks for, what the caller is called, and
 * which SIP answer a refused admission gets. Pure (src/sip/sip.gateway.ts is the adapter).
 */

/** What a dial-in asks for: `sip:{meeting number}@host`, or `sip:{meeting number}*{passcode}@host`. */
export interface DialTarget {
  meetingNumber: string;
  /** From the URI (after `*`); undefined when none was given. */
  passcode: string | undefined;
}

/** Digits of a meeting number (the setting allows 6–12; numbers of older settings stay reachable) and of a passcode. */
const TARGET = /^(\d{4,20})(?:\*([0-9A-Za-z]{1,32}))?$/;

/** The meeting (and passcode) a request URI's user part names; undefined when it names none. */
export function dialTarget(user: string | undefined): DialTarget | undefined {
  const m = TARGET.exec(decodeURIComponent(user ?? ''));
  if (!m) return undefined;
  return { meetingNumber: m[1]!, passcode: m[2] };
}

const NAME_MAX = 64;

/**
 * The caller's name in the roster: the From header's display name (unquoted), else the user part of its URI, else
 * "SIP caller". Control characters are dropped and the length bounded: it is shown to everyone.
 */
export function callerName(displayName: string | undefined, uriUser: string | undefined): string {
  let name = (displayName ?? '').trim();
  if (name.startsWith('"') && name.endsWith('"') && name.length >= 2) name = name.slice(1, -1).replace(/\\(.)/g, '$1');
  // eslint-disable-next-line no-control-regex
  name = name.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  if (name === '') name = (uriUser ?? '').replace(/[^\w.+-]/g, '');
  if (name === '') name = 'SIP caller';
  return [...name].slice(0, NAME_MAX).join('');
}

/** A SIP final response: status code and reason phrase (the phrase says what happened; it is all a phone can show). */
export interface SipAnswer {
  status: number;
  reason: string;
}

/**
 * The SIP answer to a join the live service refused (client contract §6.4 reasons). 404 for no such meeting (yet or
 * any more), 403 when the caller may not get in (locked, guests not allowed, passcode), 486 when there is no room for
 * the call (capacity), 480 for the rest (try later).
 */
export function refusal(reason: Reason): SipAnswer {
  switch (reason) {
    case 'MeetingNoExist':
    case 'MeetingExpired':
      return { status: 404, reason: 'No Such Meeting' };
    case 'MeetingNoStarted':
      return { status: 480, reason: 'Meeting Not Started' };
    case 'MeetingLocked':
      return { status: 403, reason: 'Meeting Locked' };
    case 'GuestUnallowed':
      return { status: 403, reason: 'Guests Not Allowed' };
    case 'PasscodeTooManyRetries':
      return { status: 403, reason: 'Too Many Wrong Passcodes' };
    case 'LicenseLimitReached':
    case 'MeetingFull':
      return { status: 486, reason: reason === 'MeetingFull' ? 'Meeting Full' : 'Call Capacity Reached' };
    default:
      return { status: 480, reason: 'Meeting Unavailable' };
  }
}

/** The passcode in the request URI was wrong (or, for a call that cannot be asked, missing). */
export const passcodeAnswer = (given: boolean): SipAnswer =>
  given ? { status: 403, reason: 'Wrong Passcode' } : { status: 403, reason: 'Passcode Required (dial number*passcode)' };

/**
 * The key of a SIP INFO DTMF body: application/dtmf-relay (`Signal=5` and `Duration=160` lines) or application/dtmf
 * (the key alone). `*`, `#`, A–D and 0–9; also the event codes 10 and 11 some devices send for `*` and `#`.
 */
export function infoKey(body: string): string | undefined {
  const relay = /^\s*signal\s*=\s*(\S+)\s*$/im.exec(body);
  const value = (relay ? relay[1]! : body.trim()).toUpperCase();
  if (value === '10') return '*';
  if (value === '11') return '#';
  return /^[0-9*#A-D]$/.test(value) ? value : undefined;
}
