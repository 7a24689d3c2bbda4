import type { CallCapacity } from '../live/ports.ts';
import type { CallLedger } from './call-ledger.ts';

/**
 * The licence's calls for the whole cluster (CallLedger). While Redis cannot be reached, this node goes on counting its
 * own calls against the licence, so participants of meetings already here can still come and go; the ledger is set
 * to the node's true count again with the next lease renewal.
 */
export class ClusterCallCapacity implements CallCapacity {
  private local = 0;

  constructor(
    private readonly ledger: CallLedger,
    private readonly max: number,
    private readonly onError: (err: unknown, what: string) => void,
  ) {}

  async reserve(): Promise<boolean> {
    let taken: boolean;
    try {
      taken = await this.ledger.take(this.max);
    } catch (err) {
      this.onError(err, 'taking a call from the cluster licence');
      taken = this.local < this.max;
    }
    if (taken) this.local++;
    return taken;
  }

  release(): void {
    this.local = Math.max(0, this.local - 1);
    this.ledger.release().catch(() => undefined);
  }

  async inUse(): Promise<number> {
    try {
      return await this.ledger.total();
    } catch {
      return this.local;
    }
  }
}
