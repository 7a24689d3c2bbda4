import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import Type from 'typebox';
import { ErrorBody } from '../../contract/rest/common.ts';
import * as ops from '../../contract/rest/meeting-links.ts';
import { DomainError } from '../kernel/domain-error.ts';
import { type Authenticate, registerOperation } from '../http/route.ts';
import { JOIN_PAGE_SCRIPT, JOIN_PAGE_STYLE, joinPage, notFoundPage } from './join-page.ts';
import { calendarUrl, type LinkBase, meetingLinkPayload, meetingUrl } from './links.ts';
import { meetingDetail } from './meeting-wire.ts';
import type { MeetingLinks } from './meeting-links.service.ts';

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The join page may run its own inline style and script and nothing else; it loads nothing, posts nothing, is framed nowhere. */
const PAGE_CSP = [
  "default-src 'none'",
  `style-src ${sha256(JOIN_PAGE_STYLE)}`,
  `script-src ${sha256(JOIN_PAGE_SCRIPT)}`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The key in the URL is the capability: keep responses out of shared caches and the URL out of Referer headers. */
function privateHeaders(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'private, no-store').header('referrer-policy', 'no-referrer').header('x-content-type-options', 'nosniff');
}

const KEY = /^[A-Za-z0-9_-]{1,64}$/;

/** S10–S12, the calendar download and the `/j/{key}` page (client contract §2.3, §5.3). */
export function meetingLinkRoutes(
  app: FastifyInstance,
  links: MeetingLinks,
  base: LinkBase,
  authenticate: Authenticate,
  /** Told the meeting number after its links were replaced, so a live meeting hands new joiners the new link. */
  onChanged: (meetingNumber: string) => void = () => {},
): void {
  const serverAddress = () => new URL(base.baseUrl()).host;

  registerOperation(app, ops.resolveMeetingLink, authenticate, async ({ params }) => {
    const { view, viaGroupKey, status } = await links.open(params.key);
    const r = view.reservation;
    const url = meetingUrl(base, params.key);
    return {
      meeting_number: r.meetingNumber,
      meeting_password: r.password,
      meeting_name: r.name,
      meeting_url: url,
      schedule_start_time: r.start,
      schedule_end_time: r.end,
      meeting_status: status,
      meeting_link: meetingLinkPayload({ meetingNumber: r.meetingNumber, password: r.password, meetingUrl: url, serverAddress: serverAddress() }),
      calendar_url: calendarUrl(base, viaGroupKey || !view.series ? params.key : view.series.groupKey),
    };
  });
  registerOperation(app, ops.addToMeetingList, authenticate, async ({ caller, params }) => {
    await links.addToList(caller, params.key);
    return {};
  });
  registerOperation(app, ops.removeFromMeetingList, authenticate, async ({ caller, params }) => {
    await links.removeFromList(caller, params.key);
    return {};
  });
  registerOperation(app, ops.renewMeetingLink, authenticate, async ({ caller, params }) => {
    const view = await links.renew(caller, params.reservation_id);
    onChanged(view.reservation.meetingNumber);
    return meetingDetail(view, base);
  });

  const calendar = ops.calendarDownload;
  app.route({
    method: 'GET',
    url: calendar.path.replace(/\{(\w+)\}/g, ':$1'),
    schema: {
      operationId: calendar.id,
      tags: [calendar.tag],
      summary: calendar.summary,
      description: calendar.description,
      params: calendar.params,
      response: {
        200: {
          description: 'The iCalendar file (Content-Disposition: attachment)',
          content: { 'text/calendar': { schema: Type.String() } },
        },
        '4xx': ErrorBody,
        '5xx': ErrorBody,
      },
    },
    handler: (request, reply) =>
      app.inFlight.track(async () => {
        const { key } = request.params as { key: string };
        const { filename, text } = await links.calendar(key, base);
        privateHeaders(reply)
          .type('text/calendar; charset=utf-8')
          .header('content-disposition', `attachment; filename="${filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`);
        return reply.send(Buffer.from(text, 'utf8'));
      }),
  });

  app.route({
    method: 'GET',
    url: '/j/:key',
    schema: { hide: true },
    handler: (request, reply) =>
      app.inFlight.track(async () => {
        const { key } = request.params as { key: string };
        privateHeaders(reply).type('text/html; charset=utf-8').header('content-security-policy', PAGE_CSP);
        try {
          if (!KEY.test(key)) throw new DomainError('notFound', 'key: malformed');
          const { view, viaGroupKey, status } = await links.open(key);
          const r = view.reservation;
          return reply.send(
            joinPage({
              name: r.name,
              description: r.description,
              start: r.start,
              end: r.end,
              meetingNumber: r.meetingNumber,
              hasPassword: r.password !== '',
              recurring: viaGroupKey,
              status,
              calendarUrl: calendarUrl(base, viaGroupKey || !view.series ? key : view.series.groupKey),
              serverAddress: serverAddress(),
              appUrl: `/app/#key=${encodeURIComponent(key)}`,
            }),
          );
        } catch (e) {
          if (e instanceof DomainError && e.kind === 'notFound') return reply.code(404).send(notFoundPage());
          throw e;
        }
      }),
  });
}
