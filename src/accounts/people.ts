import type { UserId } from '../kernel/ids.ts';

/** What other capabilities (meetings, rooms) need to know about accounts: who they are, by id. */
export interface Person {
  id: UserId;
  username: string;
  realName: string;
}

export interface PeopleLookup {
  /** The people among `ids` that exist, keyed by id (unknown ids are simply absent). */
  byIds(ids: readonly string[]): Promise<Map<string, Person>>;
}

/** How a person is named to others: the real name when there is one. */
export const displayName = (p: Person | undefined): string => (p ? p.realName || p.username : '');
