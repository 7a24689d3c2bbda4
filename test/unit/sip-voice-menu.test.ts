import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyPresses } from '../../src/media/rtp/telephone-event.ts';
import { infoKey } from '../../src/sip/dial-in.ts';
import { type MenuAdmission, type MenuPort, type PromptName, VoiceMenu } from '../../src/sip/voice-menu.ts';

/** A menu port that records what the menu says and does; prompts are "said" at once. */
function recorder(admit: (number: string, passcode: string | undefined) => MenuAdmission) {
  const log: string[] = [];
  const tries: Array<[string, string | undefined]> = [];
  const port: MenuPort = {
    say: async (...p: PromptName[]) => void log.push(`say ${p.join(',')}`),
    hush: () => undefined,
    admit: async (n, p) => {
      tries.push([n, p]);
      return admit(n, p);
    },
    joined: () => void log.push('joined'),
    end: (why) => void log.push(`end ${why}`),
  };
  return { port, log, tries };
}
const settle = () => new Promise((resolve) => setTimeout(resolve, 5));
const FAST = { attempts: 3, pauseMs: 50, silenceMs: 10_000, deadlineMs: 60_000 };
const press = async (menu: VoiceMenu, keys: string) => {
  for (const k of keys) menu.key(k);
  await settle();
};

describe('SIP DTMF entry', () => {
  it('infoKey reads application/dtmf-relay and application/dtmf bodies; nothing else', () => {
    assert.equal(infoKey('Signal=5\r\nDuration=160\r\n'), '5');
    assert.equal(infoKey('Signal= #\r\nDuration=100'), '#');
    assert.equal(infoKey('signal=11\r\n'), '#', 'event code 11 is #');
    assert.equal(infoKey('*'), '*');
    assert.equal(infoKey('Signal=x'), undefined);
    assert.equal(infoKey('Duration=160'), undefined);
    assert.equal(infoKey(''), undefined);
  });

  it('KeyPresses takes a key once per event (its packets and three end packets share a timestamp)', () => {
    const keys = new KeyPresses();
    const event = (code: number, end: boolean) => Uint8Array.from([code, end ? 0x80 : 0, 0, 160]);
    const got = [keys.take(1000, event(1, false)), keys.take(1000, event(1, false)), keys.take(1000, event(1, true)), keys.take(1000, event(1, true)), keys.take(1800, event(11, false)), keys.take(2600, event(16, false)), keys.take(3000, Uint8Array.from([1]))];
    assert.deepEqual(got, ['1', undefined, undefined, undefined, '#', undefined, undefined]);
  });

  it('asks for the number, then the passcode; a wrong passcode is told and asked again; the right one joins', async () => {
    const r = recorder((_n, p) => (p === '4321' ? { kind: 'joined' } : { kind: 'passcode', rejected: p !== undefined }));
    const menu = new VoiceMenu(r.port, FAST);
    menu.start();
    await settle();
    await press(menu, '12*123456#');
    await press(menu, '9#');
    await press(menu, '4321#');
    assert.deepEqual(r.tries, [['123456', undefined], ['123456', '9'], ['123456', '4321']], '* starts the entry again');
    assert.deepEqual(r.log, ['say number', 'say passcode', 'say wrong-passcode,passcode', 'say joining', 'joined']);
    menu.close();
  });

  it('ends the call after the allowed tries, or at once when the budgets refuse; a pause ends an entry', async () => {
    const r = recorder((_n, p) => (p === undefined ? { kind: 'passcode', rejected: false } : { kind: 'passcode', rejected: true }));
    const menu = new VoiceMenu(r.port, FAST);
    menu.start('555666');
    await settle();
    await press(menu, '1#');
    await press(menu, '2#');
    menu.key('3');
    await new Promise((resolve) => setTimeout(resolve, 80)); // no #: taken after the pause
    await settle();
    assert.equal(r.tries.length, 3);
    assert.deepEqual(r.log.slice(-2), ['say wrong-passcode,goodbye', 'end too many wrong passcodes']);

    const b = recorder(() => ({ kind: 'refused', tooMany: true, message: 'too many wrong passcodes; try again later' }));
    const budgeted = new VoiceMenu(b.port, FAST);
    budgeted.start('555666');
    await settle();
    await press(budgeted, '7#');
    assert.deepEqual(b.log, ['say passcode', 'say wrong-passcode,goodbye', 'end too many wrong passcodes; try again later']);

    const n = recorder(() => ({ kind: 'joined' }));
    const numbers = new VoiceMenu(n.port, FAST);
    numbers.start();
    await settle();
    for (let i = 0; i < 3; i++) await press(numbers, '12#');
    assert.deepEqual(n.tries, [], 'too short to be a meeting number: never tried');
    assert.deepEqual(n.log, ['say number', 'say wrong-number,number', 'say wrong-number,number', 'say goodbye', 'end no meeting number was entered']);
  });
});
