import { mkdirSync } from 'node:fs';
import { KyselyAccountsStore, type Staleness } from './accounts/accounts.repo.ts';
import { AccountsService } from './accounts/accounts.service.ts';
import { argon2Hasher } from './accounts/argon2-hasher.ts';
import { UsersService } from './accounts/users.service.ts';
import type { Config } from './config/options.ts';
import type { DatabaseHandle } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { openDatabase } from './db/open.ts';
import type { Budgets } from './kernel/budget.ts';
import { memoryBudgets } from './limits/memory-budgets.ts';
import { type Clock, systemClock } from './kernel/clock.ts';
import { KyselyPeopleLookup } from './accounts/people.repo.ts';
import { KyselyRoomsStore } from './rooms/rooms.repo.ts';
import { RoomsService } from './rooms/rooms.service.ts';
import { KyselyMeetingNumberRegistry } from './scheduling/meeting-number.repo.ts';
import type { MeetingNumberRegistry } from './scheduling/meeting-number.ts';
import { MeetingLinks } from './scheduling/meeting-links.service.ts';
import { ScheduleQueries } from './scheduling/schedule-queries.ts';
import { ChangeCounter, KyselySchedulingStore } from './scheduling/scheduling.repo.ts';
import { SchedulingService } from './scheduling/scheduling.service.ts';
import { machineTimeZone } from './config/load.ts';

export interface Core {
  database: DatabaseHandle;
  store: KyselyAccountsStore;
  accounts: AccountsService;
  users: UsersService;
  rooms: RoomsService;
  scheduling: SchedulingService;
  schedule: ScheduleQueries;
  meetingLinks: MeetingLinks;
  numbers: MeetingNumberRegistry;
  /** Moves when scheduling data is written (the meeting list's cache follows it). */
  scheduleChanges: ChangeCounter;
}

/**
 * Storage and domain services, migrated and ready: what both the server and the CLI's admin commands need. `budgets`
 * is where limits and freezes count: the server passes its choice; tools that sign nobody in keep the default.
 */
/** What a cluster node changes in the core: budgets shared through Redis, and cache staleness told to the other nodes. */
export interface CoreShared {
  budgets?: Budgets;
  onStale?: (stale: Staleness) => void;
  onScheduleWrite?: () => void;
}

export async function openCore(config: Config, clock: Clock = systemClock, shared: CoreShared = {}): Promise<Core> {
  const budgets = shared.budgets ?? memoryBudgets;
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const database = openDatabase(config.databaseUrl, config.dataDir, { sqliteSynchronous: config.sqliteSynchronous });
  try {
    await migrateToLatest(database.db);
  } catch (e) {
    await database.close();
    throw e;
  }
  const store = new KyselyAccountsStore(database.db, database.dialect, shared.onStale ? { onStale: shared.onStale } : {});
  const accounts = new AccountsService(store, argon2Hasher, clock, {
    tokenIdleMs: config.tokenIdleMinutes * 60_000,
    tokenMaxAgeMs: config.tokenMaxAgeMinutes * 60_000,
    signInFailuresPerMinute: config.signInFailuresPerMinute,
    signInFailuresPerAccount: config.signInFailuresPerAccount,
    firstFreezeMs: config.signInFreezeSeconds * 1000,
  }, budgets);
  const numbers = new KyselyMeetingNumberRegistry(database.db, config.meetingNumberLength, () => clock.now());
  // An account's meetings, series and rooms go with it by cascade; their numbers are then freed here.
  const accountDeleted = async () => {
    await numbers.releaseUnheld(clock.now());
  };
  const users = new UsersService(
    store,
    argon2Hasher,
    clock,
    { anonymousDirectory: config.publicUserDirectory, maxUsers: config.maxUsers },
    accountDeleted,
  );
  // One ChangeLog for scheduling: room writes change the password of a room's meetings (the meeting list is cached).
  const scheduleChanges = new ChangeCounter(shared.onScheduleWrite);
  const rooms = new RoomsService(
    new KyselyRoomsStore(database.db, (db) => new KyselyMeetingNumberRegistry(db, config.meetingNumberLength, () => clock.now()), scheduleChanges),
    new KyselyPeopleLookup(database.db),
    clock,
    { minPasscodeLength: config.minPasscodeLength },
  );
  const people = new KyselyPeopleLookup(database.db);
  const schedulingStore = new KyselySchedulingStore(database.db, database.dialect, config.meetingNumberLength, () => clock.now(), scheduleChanges);
  const scheduling = new SchedulingService(schedulingStore, people, rooms, clock, {
    timeZone: config.timezone || machineTimeZone(),
    maxOccurrences: config.maxOccurrences,
    minPasscodeLength: config.minPasscodeLength,
    maxMeetingsPerUser: config.maxMeetingsPerUser,
    maxSeriesPerUser: config.maxSeriesPerUser,
  });
  const schedule = new ScheduleQueries(schedulingStore, people, clock);
  const meetingLinks = new MeetingLinks(schedulingStore, schedule, clock, { maxOccurrences: config.maxOccurrences });
  return { database, store, accounts, users, rooms, scheduling, schedule, meetingLinks, numbers, scheduleChanges };
}

