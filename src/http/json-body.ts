import type { FastifyInstance } from 'fastify';
import { DomainError } from '../kernel/domain-error.ts';

/**
 * The Android and Windows apps send an empty body with a JSON content type on body-less POSTs and DELETEs (contract §1);
 * Fastify's own parser rejects that. An empty or blank body reads as "no body"; anything else must be valid JSON.
 * A JSON body labelled text/plain (what some HTTP tools send by default) is read the same way.
 */
export function installJsonBodyParser(app: FastifyInstance, bodyLimit: number): void {
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'string', bodyLimit }, (_request, body, done) => {
    const text = (body as string).trim();
    if (text === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new DomainError('input.invalid', 'body: is not valid JSON'), undefined);
    }
  });
}
