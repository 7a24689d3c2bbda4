import type { User } from './user.ts';

/** Who is calling: every call carries a client id; signed-in calls also carry the user and their session. */
export interface Caller {
  clientId: string;
  user?: User;
  tokenHash?: string;
}

export type SignedInCaller = Required<Caller>;
