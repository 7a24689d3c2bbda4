import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cascadeRate, h323Target, sipTarget } from '../../src/live/control.service.ts';
import { DomainError } from '../../src/kernel/domain-error.ts';
import { callerName, dialTarget, passcodeAnswer, refusal } from '../../src/sip/dial-in.ts';

describe('SIP dial-in rules', () => {
  it('dialTarget reads {number} and {number}*{passcode} from the request URI user, and nothing else', () => {
    assert.deepEqual(dialTarget('912681358'), { meetingNumber: '912681358', passcode: undefined });
    assert.deepEqual(dialTarget('912681358*123456'), { meetingNumber: '912681358', passcode: '123456' });
    assert.deepEqual(dialTarget('912681358%2A123456'), { meetingNumber: '912681358', passcode: '123456' }, 'an escaped * too');
    for (const user of [undefined, '', 'alice', '12', '912681358*', '912681358*1*2', '912681358;x', `9${'1'.repeat(30)}`]) assert.equal(dialTarget(user), undefined, String(user));
  });

  it('callerName takes the From display name (unquoted), else the URI user, else "SIP caller"; bounded and without control characters', () => {
    assert.equal(callerName('"Room \\"4\\""', 'room4'), 'Room "4"');
    assert.equal(callerName('Lobby Phone', 'x'), 'Lobby Phone');
    assert.equal(callerName(undefined, 'alice.b'), 'alice.b');
    assert.equal(callerName('""', undefined), 'SIP caller');
    assert.equal(callerName('"A\u0007B"', undefined), 'AB');
    assert.equal([...callerName('x'.repeat(500), undefined)].length, 64);
  });

  it('refusals become SIP answers a phone can act on: 404 no meeting, 403 locked / guests / passcode, 486 full', () => {
    assert.equal(refusal('MeetingNoExist').status, 404);
    assert.deepEqual(refusal('MeetingLocked'), { status: 403, reason: 'Meeting Locked' });
    assert.equal(refusal('GuestUnallowed').status, 403);
    assert.equal(refusal('MeetingFull').status, 486);
    assert.equal(refusal('LicenseLimitReached').status, 486);
    assert.equal(refusal('ServerReject').status, 480);
    assert.deepEqual(passcodeAnswer(false), { status: 403, reason: 'Passcode Required (dial number*passcode)' });
    assert.deepEqual(passcodeAnswer(true), { status: 403, reason: 'Wrong Passcode' });
  });

  it('sipTarget reads the cascading uri: $IP##conference (the document’s form) and sip: URIs; nothing else', () => {
    assert.equal(sipTarget('$10.0.0.1##123'), 'sip:123@10.0.0.1');
    assert.equal(sipTarget('10.0.0.1:5070##7000'), 'sip:7000@10.0.0.1:5070');
    assert.equal(sipTarget(' sip:room@pbx.example.org;transport=tcp '), 'sip:room@pbx.example.org;transport=tcp');
    for (const bad of ['', 'h323:x', 'http://x', 'sip:a b@c', 'sip:<x>@y', '10.0.0.1##', `sip:${'a'.repeat(600)}@x`]) assert.equal(sipTarget(bad), undefined, bad);
  });

  it('h323Target puts the H.323 address, escaped, in the user part of the gateway URI; cascadeRate reads kbit/s', () => {
    assert.equal(h323Target('10.0.0.1##123', 'sip:gw.example.com:5060'), 'sip:10.0.0.1%23%23123@gw.example.com:5060');
    assert.equal(h323Target('h323:room@corp', 'sip:gw;transport=tcp'), 'sip:room%40corp@gw');
    assert.equal(h323Target('+4930123', 'sip:x@gw'), 'sip:%2B4930123@gw');
    for (const bad of ['', 'a b', '<script>', 'x'.repeat(200)]) assert.equal(h323Target(bad, 'sip:gw'), undefined, bad);
    assert.equal(cascadeRate('2048', 'f'), 2048);
    assert.equal(cascadeRate('768K', 'f'), 768);
    assert.equal(cascadeRate(4096, 'f'), 4096);
    assert.equal(cascadeRate(undefined, 'f'), undefined);
    for (const bad of ['fast', '0', '-5', '1e9']) assert.throws(() => cascadeRate(bad, 'avc_call_params[0].call_rate'), (e: unknown) => e instanceof DomainError && /call_rate/.test(e.message), bad);
  });
});
