import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { DomainError } from '../kernel/domain-error.ts';

/** Fastify's own defaults: a `__proto__` key, or a `constructor` key holding a `prototype`, is refused, not parsed. */
const POISON_GUARD = { protoAction: 'error', constructorAction: 'error' } as const;

/**
 * The JSON body parser: Fastify's (secure-json-parse with its prototype-poisoning guard) plus what the apps need. The
 * Android and Windows apps send an empty body with a JSON content type on body-less POSTs and DELETEs (contract §1),
 * which Fastify's parser rejects: an empty or blank body reads as "no body"; anything else must be valid JSON without
 * poisoning keys. A JSON body labelled text/plain (what some HTTP tools send by default) is read the same way.
 */
export function installJsonBodyParser(app: FastifyInstance, bodyLimit: number): void {
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'string', bodyLimit }, (_request, body, done) => {
    const text = (body as string).trim();
    if (text === '') return done(null, undefined);
    try {
      done(null, secureJson.parse(text, null, POISON_GUARD));
    } catch {
      done(new DomainError('input.invalid', describeRefusal(text)), undefined);
    }
  });
}

/** Why secure-json-parse refused the text (it throws a SyntaxError either way): broken JSON, or a poisoning key. */
function describeRefusal(text: string): string {
  try {
    JSON.parse(text);
  } catch {
    return 'body: is not valid JSON';
  }
  return 'body: must not contain a "__proto__" key or a "constructor" key holding "prototype"';
}
