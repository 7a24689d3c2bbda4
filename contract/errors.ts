import type { DomainErrorKind } from '../src/kernel/domain-error.ts';

/** FRTC errorCode strings the clients compare against (client contract §6), with the HTTP status we answer with. */
export const errorCatalog: Record<DomainErrorKind, { code: string; status: number }> = {
  'input.invalid': { code: '0x10000001', status: 400 },
  'input.tooLong': { code: '0x10000008', status: 400 },
  'input.format': { code: '0x10000009', status: 400 },
  'auth.required': { code: '0x10000002', status: 401 },
  'permission.denied': { code: '0x10000003', status: 403 },
  notFound: { code: '0x10000004', status: 404 },
  'data.conflict': { code: '0x10000005', status: 409 },
  'operation.forbidden': { code: '0x10000006', status: 403 },
  'state.invalid': { code: '0x10000007', status: 409 },
  'license.limit': { code: '0x10000010', status: 403 },
  'rate.limited': { code: '0x10000006', status: 429 },
  'service.unavailable': { code: '0x10002001', status: 503 },
  // Recording and live streaming (client contract §6.3): the codes the apps' recording and streaming buttons read.
  'recording.already': { code: '0x0000f006', status: 409 },
  'recording.notRunning': { code: '0x0000f100', status: 409 },
  'recording.resources': { code: '0x0000f004', status: 503 },
  'recording.unavailable': { code: '0x0000f005', status: 503 },
  'streaming.already': { code: '0x00010006', status: 409 },
  'streaming.notRunning': { code: '0x00010100', status: 409 },
  'streaming.resources': { code: '0x00010004', status: 503 },
  'streaming.unavailable': { code: '0x00010005', status: 503 },
  'signIn.failed': { code: '0x00003000', status: 401 },
  'signIn.frozen': { code: '0x00003001', status: 401 },
  'signIn.locked': { code: '0x00003002', status: 401 },
  'signIn.wrongSecret': { code: '0x00003003', status: 401 },
  internal: { code: '0x10000000', status: 500 },
};
