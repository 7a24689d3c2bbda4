import type { FastifyInstance, FastifyReply, FastifyRequest, InjectOptions } from 'fastify';
import type { Cluster } from './cluster.ts';

/** A REST call carried to another node over the cluster bus, and its answer. */
interface ForwardedCall {
  method: string;
  url: string;
  contentType: string;
  body: string;
  /** The caller's address as this node judged it (proxies, IPv6 /64 are the receiving node's business too). */
  address: string;
}

interface ForwardedAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** Marks a call that came over the bus: it is answered where it lands, never forwarded again (no loops). */
const FORWARDED_HEADER = 'x-convene-forwarded';
const FORWARD_METHOD = 'http.forward';
/** How long a caller waits for the meeting's node (the bus answers 503 after it, never a hung request). */
const FORWARD_TIMEOUT_MS = 5000;
/** The live list asks every node for this many of its meetings: the merged answer is then paged here. */
const LIST_PAGE_SIZE = 500;

/** Meeting-control routes that act on the live meeting (its node answers them); the history is read from the database anywhere. */
const MEETING_ROUTE = '/api/v1/meeting/:meeting_number';
const ANSWERED_ANYWHERE = new Set([`${MEETING_ROUTE}/history`]);
const LIST_ROUTE = '/api/v1/meeting';

const bodyText = (request: FastifyRequest): string => (request.body === undefined ? '' : JSON.stringify(request.body));

/**
 * Any node answers any REST call: a control call or live detail for a meeting another node holds is executed there —
 * sent over the cluster bus as the HTTP request it is and run through that node's own routes (so validation,
 * authorisation and the FRTC answers are exactly a local call's) — and the answer relayed; the live meeting list is
 * gathered from every node. Registered by the composition root in cluster mode only.
 */
export function forwardMeetingCalls(app: FastifyInstance, cluster: Cluster): void {
  /** Runs a call through this node's own routes, marked so that it is answered here. */
  const runHere = async (call: ForwardedCall): Promise<ForwardedAnswer> => {
    const options: InjectOptions = {
      method: call.method as InjectOptions['method'],
      url: call.url,
      headers: { [FORWARDED_HEADER]: cluster.nodeId, ...(call.body !== '' ? { 'content-type': call.contentType || 'application/json' } : {}) },
      remoteAddress: call.address,
      ...(call.body !== '' ? { payload: call.body } : {}),
    };
    const answer = await app.inject(options);
    return { status: answer.statusCode, contentType: String(answer.headers['content-type'] ?? 'application/json'), body: answer.body };
  };
  cluster.bus.serve(FORWARD_METHOD, (args) => runHere(args as ForwardedCall));

  const callOf = (request: FastifyRequest, url = request.url): ForwardedCall => ({
    method: request.method,
    url,
    contentType: String(request.headers['content-type'] ?? ''),
    body: bodyText(request),
    address: request.ip,
  });
  const forward = (nodeId: string, call: ForwardedCall): Promise<ForwardedAnswer> => cluster.bus.call<ForwardedAnswer>(nodeId, FORWARD_METHOD, call, FORWARD_TIMEOUT_MS);

  const send = (reply: FastifyReply, answer: ForwardedAnswer) => reply.code(answer.status).type(answer.contentType).send(answer.body);

  app.addHook('preValidation', async (request, reply) => {
    if (request.headers[FORWARDED_HEADER] !== undefined) return;
    const route = request.routeOptions.url ?? '';
    if (route === LIST_ROUTE) return listEverywhere(request, reply);
    if (!route.startsWith(MEETING_ROUTE) || ANSWERED_ANYWHERE.has(route)) return;
    const number = (request.params as { meeting_number?: unknown }).meeting_number;
    if (typeof number !== 'string' || !/^[0-9]{1,32}$/.test(number)) return;
    const holder = await cluster.holderOf(number);
    // Live nowhere or here: answered here (a meeting that is live nowhere gets the local "not live" answer).
    if (holder === undefined || holder === 'here') return;
    return send(reply, await forward(holder.id, callOf(request)));
  });

  /** The live meetings of every node: each node's own list (its first 500), merged, then paged as the caller asked. */
  async function listEverywhere(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const nodes = (await cluster.registry.alive()).filter((n) => n.id !== cluster.nodeId);
    if (nodes.length === 0) return undefined;
    const query = new URLSearchParams(request.url.split('?')[1] ?? '');
    const wanted = { num: Number(query.get('page_num') ?? 1), size: Number(query.get('page_size') ?? LIST_PAGE_SIZE) };
    // Out of range: the route's own validation answers, naming the field.
    if (![wanted.num, wanted.size].every((v) => Number.isInteger(v) && v >= 1 && v <= 100_000)) return undefined;
    query.set('page_num', '1');
    query.set('page_size', String(LIST_PAGE_SIZE));
    const url = `${LIST_ROUTE}?${query}`;
    const call = callOf(request, url);
    const answers = await Promise.all([
      runHere(call),
      // A node that does not answer in time is left out rather than failing the whole list.
      ...nodes.map((n) => forward(n.id, call).catch(() => undefined)),
    ]);
    const [local] = answers;
    if (local.status !== 200) return send(reply, local);
    const meetings = answers
      .flatMap((a) => (a && a.status === 200 ? (JSON.parse(a.body) as { meetings: LiveItem[] }).meetings : []))
      .sort((a, b) => a.start_time - b.start_time || (a.meeting_number < b.meeting_number ? -1 : 1));
    const size = Math.min(wanted.size, LIST_PAGE_SIZE);
    const from = (wanted.num - 1) * size;
    return reply.send({ meetings: meetings.slice(from, from + size), total_page_num: Math.ceil(meetings.length / size), total_size: meetings.length });
  }
}

interface LiveItem {
  meeting_number: string;
  start_time: number;
}
