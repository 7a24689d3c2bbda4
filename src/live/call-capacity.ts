import type { CallCapacity } from './ports.ts';

/** The licence counted by this node alone (one node serves everything). */
export class LocalCallCapacity implements CallCapacity {
  private used = 0;

  constructor(private readonly max: number) {}

  async reserve(): Promise<boolean> {
    if (this.used >= this.max) return false;
    this.used++;
    return true;
  }

  release(): void {
    this.used = Math.max(0, this.used - 1);
  }

  async inUse(): Promise<number> {
    return this.used;
  }
}
