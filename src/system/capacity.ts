/** Licence limits from configuration and the usage measured against them. */
export interface Licence {
  maxCalls: number;
  maxUsers: number;
  gatewayMaxCalls: number;
}

export interface Usage {
  users: number;
  calls: number;
  gatewayCalls: number;
}

export interface Capacity {
  licence: Licence;
  usage: Usage;
  /** "authorized" while usage is within the licence; "exceeded" when an operator lowered a limit below usage. */
  status: 'authorized' | 'exceeded';
}

export const capacityOf = (licence: Licence, usage: Usage): Capacity => ({
  licence,
  usage,
  status: usage.users > licence.maxUsers || usage.calls > licence.maxCalls ? 'exceeded' : 'authorized',
});

/** Counts connected calls; the live-meeting engine provides the real one, until then nobody is connected. */
export interface CallCounter {
  calls(): number | Promise<number>;
  gatewayCalls(): number;
}

export const noCalls: CallCounter = { calls: () => 0, gatewayCalls: () => 0 };
