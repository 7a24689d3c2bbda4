import type { FastifyInstance } from 'fastify';
import * as ops from '../../contract/rest/system.ts';
import type { Authenticate } from '../http/route.ts';
import { registerOperation } from '../http/route.ts';
import { demand } from '../accounts/permissions.ts';
import { type CallCounter, capacityOf, type Licence } from './capacity.ts';
import type { ServerStatus } from './status.ts';

export interface SystemDeps {
  version: string;
  licence: Licence;
  countUsers: () => Promise<number>;
  calls: CallCounter;
  status: () => ServerStatus;
}

export function systemRoutes(app: FastifyInstance, deps: SystemDeps, authenticate: Authenticate): void {
  registerOperation(app, ops.version, authenticate, async () => ({ version: deps.version }));
  registerOperation(app, ops.capacity, authenticate, async () => {
    const c = capacityOf(deps.licence, { users: await deps.countUsers(), calls: await deps.calls.calls(), gatewayCalls: deps.calls.gatewayCalls() });
    return {
      gateway: { max_calls: c.licence.gatewayMaxCalls, current_calls: c.usage.gatewayCalls },
      system: {
        max_calls: c.licence.maxCalls,
        max_users: c.licence.maxUsers,
        current_calls: c.usage.calls,
        current_users: c.usage.users,
        status: c.status,
      },
    };
  });
  registerOperation(app, ops.status, authenticate, async ({ caller }) => {
    demand(caller.user!, 'system.read', undefined, 'only a SystemAdmin may read the server status');
    const s = deps.status();
    return { version: deps.version, database: s.database, started_time: s.startedAt, media: s.media };
  });
}
