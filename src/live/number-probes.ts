import { addressKey } from '../kernel/address.ts';
import type { Budget } from '../kernel/budget.ts';

/**
 * Meeting numbers asked for that do not exist, per network address (IPv6 by its /64): someone walking through numbers
 * to find meetings spends this budget, and once it is spent every answer about a number that the caller may not host
 * is a refusal — not only the answers for unknown numbers, which would otherwise tell the two apart.
 */
export class NumberProbes {
  constructor(private readonly budget: Budget) {}

  async blocked(address: string): Promise<boolean> {
    return (await this.budget.peek(addressKey(address))).remaining === 0;
  }

  async missed(address: string): Promise<void> {
    await this.budget.spend(addressKey(address));
  }
}

export const PROBES_REFUSED = 'meeting_number: too many meeting numbers that do not exist were asked for from your network; try again later';
