/**
 * The closed set of failure kinds the domain can report. Each kind maps to exactly one FRTC errorCode and HTTP status
 * in contract/errors.ts, so the domain never deals in wire codes and the HTTP layer never invents messages.
 */
export type DomainErrorKind =
  | 'input.invalid'
  | 'input.tooLong'
  | 'input.format'
  | 'auth.required'
  | 'permission.denied'
  | 'notFound'
  | 'data.conflict'
  | 'operation.forbidden'
  | 'state.invalid'
  | 'license.limit'
  | 'rate.limited'
  | 'service.unavailable'
  | 'recording.already'
  | 'recording.notRunning'
  | 'recording.resources'
  | 'recording.unavailable'
  | 'streaming.already'
  | 'streaming.notRunning'
  | 'streaming.resources'
  | 'streaming.unavailable'
  | 'signIn.failed'
  | 'signIn.frozen'
  | 'signIn.locked'
  | 'signIn.wrongSecret'
  | 'internal';

export class DomainError extends Error {
  readonly kind: DomainErrorKind;
  constructor(kind: DomainErrorKind, message: string) {
    super(message);
    this.kind = kind;
    this.name = 'DomainError';
  }
}

export const fail = (kind: DomainErrorKind, message: string): never => {
  throw new DomainError(kind, message);
};
