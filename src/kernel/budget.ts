/**
 * A budget of events per key over a window: a rate limit (at most 30 failed sign-ins per address a minute) or a failure
 * budget (at most 50 wrong passcodes per meeting an hour). The domain only spends and asks; where the counts live is
 * the implementation's business — in this process (src/limits/memory-budgets.ts), or in a store shared by several
 * nodes, so that a limit holds across them.
 */
export interface BudgetState {
  /** Points left in the current window; 0 when spent. */
  remaining: number;
  /** Milliseconds until the window ends and the budget is whole again; 0 when nothing has been spent. */
  refillMs: number;
}

export interface Budget {
  /** What is left for the key, without spending. */
  peek(key: string): Promise<BudgetState>;
  /** Spends `points` (default 1) of the key's budget, also past zero, and returns what is left. */
  spend(key: string, points?: number): Promise<BudgetState>;
  /** Forgets the key (a success that clears a failure count, an administrator's unlock). */
  reset(key: string): Promise<void>;
}

export interface BudgetSpec {
  /** Distinguishes budgets that share a store, e.g. "sign-in-address". */
  name: string;
  points: number;
  windowMs: number;
}

/** Makes the budgets of one kind of store. */
export type Budgets = (spec: BudgetSpec) => Budget;
