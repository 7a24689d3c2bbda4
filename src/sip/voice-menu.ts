/**
 * The spoken menu of a SIP call answered before it is in a meeting: the caller dialled the bare host (it is asked for the
 * meeting number, then the passcode) or a meeting number without the passcode the meeting needs (asked for the
 * passcode). Keys come by DTMF (RFC 4733 or SIP INFO); an entry ends with `#` (or a pause after some digits), `*` starts
 * it again. Each try goes through the live service's admission (src/sip/sip.gateway.ts), so wrong passcodes spend the
 * same budgets as those typed in an app. Pure: speaking, admitting and hanging up are the port's.
 */

export type PromptName = 'number' | 'passcode' | 'wrong-number' | 'wrong-passcode' | 'joining' | 'refused' | 'goodbye';
export const PROMPT_NAMES: readonly PromptName[] = ['number', 'passcode', 'wrong-number', 'wrong-passcode', 'joining', 'refused', 'goodbye'];

/** What a try to join came to, in the menu's terms. */
export type MenuAdmission =
  | { kind: 'joined' }
  /** The meeting wants a passcode: none was given (`rejected` false) or it was wrong. */
  | { kind: 'passcode'; rejected: boolean }
  /** Refused: too many wrong passcodes (the budgets), or any other reason (locked, full, not started…), in words. */
  | { kind: 'refused'; tooMany: boolean; message: string };

export interface MenuPort {
  /** Speaks the prompts one after the other; resolves once they have been sent (or were cut short by hush()). */
  say(...prompts: PromptName[]): Promise<void>;
  /** Stops what is being said (the caller started typing). */
  hush(): void;
  admit(meetingNumber: string, passcode: string | undefined): Promise<MenuAdmission>;
  /** Admitted: the caller's media join the meeting. */
  joined(): void;
  /** Hang up (BYE), saying why. */
  end(why: string): void;
}

export interface MenuOptions {
  /** Tries per call for the meeting number and, separately, for the passcode (each also bounded by the budgets). */
  attempts: number;
  /** An entry with digits but no `#` is taken after this pause. */
  pauseMs: number;
  /** A prompt is said again after this long without a key; after `attempts` silences the call ends. */
  silenceMs: number;
  /** The whole menu ends (BYE) after this long. */
  deadlineMs: number;
}

export const MENU_DEFAULTS: MenuOptions = { attempts: 3, pauseMs: 5000, silenceMs: 10_000, deadlineMs: 180_000 };
/** Longest entry kept (meeting numbers have up to 20 digits, passcodes up to 32 characters). */
const MAX_ENTRY = 32;
const MEETING_NUMBER = /^\d{4,20}$/;

export class VoiceMenu {
  private stage: 'number' | 'passcode' | 'busy' | 'done' = 'busy';
  private meetingNumber = '';
  private entry = '';
  private numberTries = 0;
  private passcodeTries = 0;
  private silences = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly deadline: ReturnType<typeof setTimeout>;

  constructor(
    private readonly port: MenuPort,
    private readonly options: MenuOptions = MENU_DEFAULTS,
  ) {
    this.deadline = setTimeout(() => this.finish('goodbye', 'the menu timed out'), options.deadlineMs);
  }

  /** Starts with the meeting number, or (the number was dialled) with the passcode of `meetingNumber`. */
  start(meetingNumber?: string): void {
    if (meetingNumber === undefined) return this.ask('number');
    this.meetingNumber = meetingNumber;
    this.ask('passcode');
  }

  /** A key the caller pressed. Keys pressed while a try is being checked are dropped. */
  key(key: string): void {
    if (this.stage !== 'number' && this.stage !== 'passcode') return;
    this.port.hush();
    this.silences = 0;
    if (key === '#') return this.submit();
    if (key === '*') {
      this.entry = '';
    } else if (/^[0-9]$/.test(key) && this.entry.length < MAX_ENTRY) {
      this.entry += key;
    }
    this.wait(this.entry === '' ? this.options.silenceMs : this.options.pauseMs);
  }

  /** Stops the menu's timers (the call ended). */
  close(): void {
    this.stage = 'done';
    clearTimeout(this.timer);
    clearTimeout(this.deadline);
  }

  private ask(stage: 'number' | 'passcode', ...before: PromptName[]): void {
    this.stage = stage;
    this.entry = '';
    void this.port.say(...before, stage).then(() => {
      if (this.stage === stage && this.entry === '') this.wait(this.options.silenceMs);
    });
  }

  /** (Re)arms the timer: a pause ends an entry with digits; silence says the prompt again. */
  private wait(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const stage = this.stage;
      if (stage !== 'number' && stage !== 'passcode') return;
      if (this.entry !== '') return this.submit();
      if (++this.silences >= this.options.attempts) return this.finish('goodbye', 'no keys were pressed');
      this.ask(stage);
    }, ms);
  }

  private submit(): void {
    clearTimeout(this.timer);
    const entry = this.entry;
    this.entry = '';
    if (this.stage === 'number') {
      if (!MEETING_NUMBER.test(entry)) {
        if (++this.numberTries >= this.options.attempts) return this.finish('goodbye', 'no meeting number was entered');
        return this.ask('number', 'wrong-number');
      }
      this.meetingNumber = entry;
      return this.check(undefined);
    }
    if (entry === '') return this.ask('passcode');
    return this.check(entry);
  }

  private check(passcode: string | undefined): void {
    this.stage = 'busy';
    this.port.admit(this.meetingNumber, passcode).then(
      (admission) => {
        if (this.stage === 'done') return;
        if (admission.kind === 'joined') {
          this.stage = 'done';
          clearTimeout(this.deadline);
          void this.port.say('joining').then(() => this.port.joined());
          return;
        }
        if (admission.kind === 'refused') {
          const wrong: PromptName[] = passcode !== undefined && admission.tooMany ? ['wrong-passcode'] : [];
          return this.finish(admission.tooMany ? 'goodbye' : 'refused', admission.message, ...wrong);
        }
        if (!admission.rejected) return this.ask('passcode');
        if (++this.passcodeTries >= this.options.attempts) return this.finish('goodbye', 'too many wrong passcodes', 'wrong-passcode');
        this.ask('passcode', 'wrong-passcode');
      },
      () => this.finish('refused', 'the meeting could not be joined'),
    );
  }

  /** Says the last prompts, then hangs up. */
  private finish(last: PromptName, why: string, ...before: PromptName[]): void {
    if (this.stage === 'done') return;
    this.close();
    void this.port.say(...before, last).then(() => this.port.end(why));
  }
}
