import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type, { type Static, type TSchema } from 'typebox';
import { ClientQuery, ErrorBody } from '../../contract/rest/common.ts';
import { describePermission } from '../../contract/permissions.ts';
import type { Operation } from '../../contract/rest/operation.ts';
import type { Caller, SignedInCaller } from '../accounts/caller.ts';
import { fail } from '../kernel/domain-error.ts';
import type { InFlight } from './in-flight.ts';

export type Authenticate = (token: string, clientId: string) => Promise<SignedInCaller>;

type In<S> = [NonNullable<S>] extends [TSchema] ? Static<NonNullable<S>> : undefined;

export interface RequestContext<O extends Operation> {
  params: In<O['params']>;
  query: In<O['query']> & { client_id: string; token?: string };
  body: In<O['body']>;
  caller: Caller;
  request: FastifyRequest;
  /** For the few operations that answer something else than JSON (a file download). */
  reply: FastifyReply;
}

/**
 * An answer already serialised to JSON by the handler (e.g. one array sent under two names, serialised once). It is
 * sent as it is, as application/json: the handler vouches that it matches the operation's response schema.
 */
export class JsonText {
  /** UTF-8, made once: Fastify would otherwise measure the string's byte length for every answer it is sent in. */
  readonly bytes: Buffer;
  constructor(text: string) {
    this.bytes = Buffer.from(text, 'utf8');
  }
}

export type Handler<O extends Operation> = (ctx: RequestContext<O>) => Promise<Static<O['response']> | JsonText>;

/** The operation's own description, then who may use it (from the permission table). */
const operationDescription = (op: Operation): string =>
  [op.description, op.permission ? describePermission(op.permission) : undefined].filter(Boolean).join(' ');

/** Fastify path syntax from the contract's `{param}` form. */
const fastifyPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

/**
 * Registers one contract operation: every method and path alias, the query with `client_id`/`token`, the schemas that
 * validate input and document the operation, and the access rule resolved into a Caller before the handler runs.
 */
export function registerOperation<O extends Operation>(app: FastifyInstance, op: O, authenticate: Authenticate, handler: Handler<O>): void {
  const querystring =
    op.access === 'anonymous'
      ? op.query
      : Type.Object({ ...ClientQuery, ...((op.query as { properties?: Record<string, TSchema> } | undefined)?.properties ?? {}) });
  const inFlight: InFlight | undefined = app.inFlight;
  op.methods.forEach((method, m) =>
    op.paths.forEach((path, p) => {
      const alias = m === 0 && p === 0 ? '' : `_${method.toLowerCase()}${p === 0 ? '' : p}`;
      app.route({
        method,
        url: fastifyPath(path),
        schema: {
          operationId: op.id + alias,
          tags: [op.tag],
          summary: op.summary,
          ...(op.description || op.permission ? { description: operationDescription(op) } : {}),
          ...(querystring ? { querystring } : {}),
          ...(op.params ? { params: op.params } : {}),
          ...(op.body && method !== 'GET' ? { body: op.body } : {}),
          ...(op.access === 'user' || op.access === 'optionalUser' ? { security: [{ token: [] }] } : {}),
          response: {
            200: op.download ? { description: 'The file', content: { [op.download]: { schema: op.response } } } : op.response,
            '4xx': ErrorBody,
            '5xx': ErrorBody,
          },
        },
        handler: (request, reply) => {
          const run = async () => {
            const query = (request.query ?? {}) as { client_id?: string; token?: string };
            const caller = await resolveCaller(op, query, authenticate);
            const answer = await handler({ params: request.params, query, body: request.body, caller, request, reply } as RequestContext<O>);
            if (!(answer instanceof JsonText)) return answer;
            reply.type('application/json; charset=utf-8');
            return answer.bytes;
          };
          // Counted so shutdown waits for it even when the client has gone (createHttpApp's apps; not a bare Fastify).
          return inFlight ? inFlight.track(run) : run();
        },
      });
    }),
  );
}

async function resolveCaller(op: Operation, query: { client_id?: string; token?: string }, authenticate: Authenticate): Promise<Caller> {
  const clientId = query.client_id ?? '';
  if (query.token !== undefined && (op.access === 'user' || op.access === 'optionalUser')) {
    return authenticate(query.token, clientId);
  }
  if (op.access === 'user') return fail('auth.required', 'token: is required; sign in first');
  return { clientId };
}
