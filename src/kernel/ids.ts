/** Branded ids keep a user id from being passed where a token or client id is meant. */
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type UserId = Brand<string, 'UserId'>;
export type ClientId = Brand<string, 'ClientId'>;

export const asUserId = (s: string): UserId => s as UserId;
export const asClientId = (s: string): ClientId => s as ClientId;
