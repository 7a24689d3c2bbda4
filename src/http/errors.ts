import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorCatalog } from '../../contract/errors.ts';
import { DomainError, type DomainErrorKind } from '../kernel/domain-error.ts';

export interface ErrorBody {
  error: string;
  errorCode: string;
}

/** The one place that renders `{error, errorCode}`: domain kinds through the catalogue, framework errors by status. */
export function renderError(error: unknown, requestId: string): { status: number; body: ErrorBody; internal: boolean } {
  if (error instanceof DomainError) return fromKind(error.kind, error.message);
  const e = error as Partial<FastifyError> & { statusCode?: number };
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return withStatus(415, 'input.invalid', 'Content-Type: send application/json');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return withStatus(413, 'input.tooLong', 'body: too large');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return fromKind('input.invalid', 'Content-Length: does not match the body');
    // Router errors: Fastify's own message quotes the whole URL, query and token included, so it is not echoed.
    case 'FST_ERR_BAD_URL':
      return fromKind('input.invalid', 'URL: is not validly percent-encoded');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return withStatus(414, 'input.tooLong', 'URL: a path segment is too long');
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return withStatus(e.statusCode, 'input.invalid', e.message ?? 'bad request');
  }
  return { ...fromKind('internal', `internal error (request ${requestId})`), internal: true };
}

function fromKind(kind: DomainErrorKind, message: string) {
  const { code, status } = errorCatalog[kind];
  return { status, body: { error: message, errorCode: code }, internal: false };
}

function withStatus(status: number, kind: DomainErrorKind, message: string) {
  return { ...fromKind(kind, message), status };
}

/** Sends `{error, errorCode}` for any error; also used as Fastify's `frameworkErrors` (router errors before routing). */
export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body, internal } = renderError(error, request.id);
  if (internal) request.log.error({ err: error }, 'request failed');
  reply.code(status).type('application/json').send(body);
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler((request, reply) => {
    const { status, body } = fromKind('notFound', `no endpoint ${request.method} ${request.url.split('?')[0]}`);
    reply.code(status).send(body);
  });
}
