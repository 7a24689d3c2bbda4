import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { ClientQuery, ErrorBody } from '../../contract/rest/common.ts';
import * as ops from '../../contract/rest/in-meeting.ts';
import { type Authenticate, registerOperation, type RequestContext } from '../http/route.ts';
import type { Operation } from '../../contract/rest/operation.ts';
import { fail } from '../kernel/domain-error.ts';
import type { ControlCaller, MeetingControl } from './control.service.ts';
import type { StoredChat, TranscriptSession } from './ports.ts';

const done = {};
/** Most messages one JSON page holds, and the plain-text transcript in all. */
const PAGE_MAX = 1000;
const TEXT_MAX = 20_000;

const wireMessage = (m: StoredChat) => ({
  id: m.messageId,
  time: m.at,
  room: m.room,
  from_uuid: m.fromClientId,
  from_name: m.fromName,
  from_user_id: m.fromUserId,
  to_uuid: m.toClientId,
  to_name: m.toName,
  private: m.toClientId !== '',
  text: m.text,
  deleted: m.deletedAt !== 0,
});

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The transcript as text: a heading, then one message a line (newlines inside a message indented). */
export function transcriptText(session: TranscriptSession, total: number, messages: readonly StoredChat[]): string {
  const lines = [
    `Chat of “${session.name}” (meeting ${session.meetingNumber}), ${iso(session.startedAt)} – ${session.endedAt ? iso(session.endedAt) : 'still live'}`,
    '',
  ];
  for (const m of messages) {
    const where = m.room === '' ? '' : ` [${m.room}]`;
    const who = m.toClientId === '' ? m.fromName : `${m.fromName} → ${m.toName} (private)`;
    const text = m.deletedAt !== 0 ? '(deleted by a host)' : m.text.replace(/\n/g, '\n    ');
    lines.push(`${iso(m.at)}${where} ${who}: ${text}`);
  }
  if (total > messages.length) lines.push('', `(${total - messages.length} more messages: read them page by page from the JSON transcript)`);
  return `${lines.join('\n')}\n`;
}

/** The chat, lobby and breakout calls (contract/rest/in-meeting.ts), thin over MeetingControl. */
export function inMeetingRoutes(app: FastifyInstance, control: MeetingControl, authenticate: Authenticate): void {
  const on = <O extends Operation>(op: O, handler: (ctx: RequestContext<O> & { caller: ControlCaller }) => Promise<object>) =>
    registerOperation(app, op, authenticate, (ctx) => handler({ ...ctx, caller: { ...ctx.caller, address: ctx.request.ip } }) as never);

  on(ops.setGuestChat, async ({ caller, params, body }) => {
    await control.setGuestChat(caller, params.meeting_number, body.guests);
    return done;
  });
  on(ops.deleteChatMessage, async ({ caller, params }) => {
    await control.deleteChat(caller, params.meeting_number, params.message_id);
    return done;
  });
  on(ops.lowerHands, async ({ caller, params, body }) => {
    await control.lowerHands(caller, params.meeting_number, body.participants ?? 'all');
    return done;
  });
  on(ops.setLobby, async ({ caller, params, body }) => {
    await control.setLobby(caller, params.meeting_number, body.mode);
    return done;
  });
  on(ops.lobbyAdmit, async ({ caller, params, body }) => {
    await control.lobbyAdmit(caller, params.meeting_number, body.participants ?? 'all');
    return done;
  });
  on(ops.lobbyRefuse, async ({ caller, params, body }) => {
    await control.lobbyRefuse(caller, params.meeting_number, body.participants ?? 'all');
    return done;
  });
  on(ops.lobbyList, async ({ caller, params }) => {
    const lobby = await control.lobby(caller, params.meeting_number);
    return { mode: lobby.mode, waiting: lobby.view().map((w) => ({ uuid: w.clientId, display_name: w.displayName, guest: w.guest, since: w.since })) };
  });
  on(ops.chatTranscript, async ({ caller, params, query }) => {
    const size = Math.min(PAGE_MAX, query.page_size ?? 500);
    const offset = ((query.page_num ?? 1) - 1) * size;
    const { session, total, messages } = await control.transcript(caller, params.meeting_number, params.session_id, offset, size);
    return {
      session_id: session.id,
      meeting_number: session.meetingNumber,
      meeting_name: session.name,
      start_time: session.startedAt,
      end_time: session.endedAt,
      total,
      messages: messages.map(wireMessage),
    };
  });

  const text = ops.chatTranscriptText;
  app.route({
    method: 'GET',
    url: text.path.replace(/\{(\w+)\}/g, ':$1'),
    schema: {
      operationId: text.id,
      tags: [text.tag],
      summary: text.summary,
      description: text.description,
      params: text.params,
      querystring: Type.Object(ClientQuery),
      security: [{ token: [] }],
      response: { 200: { description: 'The transcript (text/plain; charset=utf-8)', content: { 'text/plain': { schema: Type.String() } } }, '4xx': ErrorBody, '5xx': ErrorBody },
    },
    handler: (request, reply) =>
      app.inFlight.track(async () => {
        const { meeting_number: number, session_id: sessionId } = request.params as { meeting_number: string; session_id: string };
        const query = request.query as { client_id: string; token?: string };
        const caller = query.token === undefined ? fail('auth.required', 'token: is required; sign in first') : await authenticate(query.token, query.client_id);
        const { session, total, messages } = await control.transcript({ ...caller, address: request.ip }, number, sessionId, 0, TEXT_MAX);
        return reply
          .type('text/plain; charset=utf-8')
          .header('cache-control', 'private, no-store')
          .header('content-disposition', `attachment; filename="chat-${number}-${iso(session.startedAt).slice(0, 10)}.txt"`)
          .send(transcriptText(session, total, messages));
      }),
  });
}
