import { addressKey } from '../kernel/address.ts';
import type { Budget } from '../kernel/budget.ts';

/**
 * The budgets wrong meeting passcodes spend. Per participant (client_id and meeting) and per network address across
 * meetings, so that reconnecting does not reset the count and one machine cannot try many client ids; and per meeting
 * from everyone together, so that many addresses cannot each take their own tries at one meeting.
 */
export interface PasscodeBudgets {
  perClient: Budget;
  perAddress: Budget;
  perMeeting: Budget;
}

/** Where a participant stands with the passcode of a meeting number. */
export interface PasscodeStanding {
  /** Prompts left to this participant (the smaller of its own and its address's budget); 0 = no more tries. */
  attemptsLeft: number;
  /** While the meeting's budget is spent: ms until it is whole again (only hosts and the link get in); else 0. */
  lockoutMs: number;
}

/** The passcode limits of src/live, over budgets injected from the composition root (in memory, or a shared store). */
export class PasscodeGuard {
  constructor(private readonly budgets: PasscodeBudgets) {}

  async standing(meetingNumber: string, clientId: string, address: string): Promise<PasscodeStanding> {
    const [client, byAddress, meeting] = await Promise.all([
      this.budgets.perClient.peek(clientKey(meetingNumber, clientId)),
      this.budgets.perAddress.peek(addressKey(address)),
      this.budgets.perMeeting.peek(meetingNumber),
    ]);
    return { attemptsLeft: Math.min(client.remaining, byAddress.remaining), lockoutMs: meeting.remaining === 0 ? Math.max(1, meeting.refillMs) : 0 };
  }

  /**
   * Counts a wrong passcode against all three budgets. `tripped`: this failure spent the meeting's budget (it was not
   * spent in `before`), so its hosts are to be told.
   */
  async failed(meetingNumber: string, clientId: string, address: string, before: PasscodeStanding): Promise<PasscodeStanding & { tripped: boolean }> {
    const [client, byAddress, meeting] = await Promise.all([
      this.budgets.perClient.spend(clientKey(meetingNumber, clientId)),
      this.budgets.perAddress.spend(addressKey(address)),
      this.budgets.perMeeting.spend(meetingNumber),
    ]);
    const lockoutMs = meeting.remaining === 0 ? Math.max(1, meeting.refillMs) : 0;
    return { attemptsLeft: Math.min(client.remaining, byAddress.remaining), lockoutMs, tripped: lockoutMs > 0 && before.lockoutMs === 0 };
  }
}

const clientKey = (meetingNumber: string, clientId: string): string => `${meetingNumber}:${clientId}`;
