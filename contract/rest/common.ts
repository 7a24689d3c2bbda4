import Type from 'typebox';

/** Every FRTC error body: a message naming the field or reason, and the code string the clients compare. */
export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: 'Human-readable reason, naming the offending field where there is one' }),
    errorCode: Type.String({ pattern: '^0x[0-9a-f]{8}$', description: 'FRTC error code, e.g. 0x10000001' }),
  },
);

/** `{}`: the Linux and Windows clients treat 204 or an empty body as failure, so "nothing to say" is an empty object. */
export const Empty = Type.Object({}, { additionalProperties: false });

export const ClientId = Type.String({
  minLength: 1,
  maxLength: 128,
  description: 'Per-install UUID of the calling app; also its participant id in meetings',
});

export const Token = Type.String({ minLength: 1, maxLength: 256, description: 'user_token from sign_in' });

export const ClientQuery = {
  client_id: ClientId,
  token: Type.Optional(Token),
};

export const PageQuery = {
  page_num: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: '1-based page number' })),
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'Items per page (capped by the server)' })),
  filter: Type.Optional(Type.String({ maxLength: 128, description: 'Case-insensitive substring filter' })),
};

export const Timestamp = Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000, description: 'Epoch milliseconds' });
