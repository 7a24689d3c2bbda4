import type { TSchema } from 'typebox';
import type { DomainErrorKind } from '../../src/kernel/domain-error.ts';
import type { Permission } from '../permissions.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * Who may reach an operation before the domain decides per resource:
 * - `anonymous`: no query parameters required (links opened by scanners and browsers);
 * - `client`: `client_id` required, no sign-in;
 * - `optionalUser`: `client_id` required, `token` checked when present;
 * - `user`: `client_id` and a valid `token` required.
 */
export type Access = 'anonymous' | 'client' | 'optionalUser' | 'user';

/**
 * One REST operation as data. FRTC method and path variants (the document's typos next to what the clients send) are
 * aliases on one operation, never copies. The HTTP layer registers it, the OpenAPI document is generated from it.
 */
export interface Operation<
  Params extends TSchema | undefined = TSchema | undefined,
  Query extends TSchema | undefined = TSchema | undefined,
  Body extends TSchema | undefined = TSchema | undefined,
  Response extends TSchema = TSchema,
> {
  id: string;
  methods: readonly HttpMethod[];
  paths: readonly string[];
  tag: string;
  summary: string;
  description?: string;
  access: Access;
  /**
   * The permission (contract/permissions.ts) the operation needs beyond `access`, checked by the domain against the
   * resource it acts on; absent when any caller `access` admits may use it on their own things.
   */
  permission?: Permission;
  params?: Params;
  query?: Query;
  body?: Body;
  response: Response;
  /** The media type of a 200 that is a file rather than JSON (a recording's download): documented as such. */
  download?: string;
  errors: readonly DomainErrorKind[];
}

export const operation = <
  Params extends TSchema | undefined,
  Query extends TSchema | undefined,
  Body extends TSchema | undefined,
  Response extends TSchema,
>(op: Operation<Params, Query, Body, Response>): Operation<Params, Query, Body, Response> => op;
