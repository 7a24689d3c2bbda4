/**
 * The signed-in session: one RestClient for the whole console, the token kept in localStorage as the FRTC apps keep
 * theirs (so a reload or a new tab stays signed in until the server ends the session), and the two things every call
 * shares — the progress indicator and the expired-session screen — handled once, in the fetch the client uses.
 */
import type { Static } from 'typebox';
import type { RoleName } from '../../contract/permissions.ts';
import { type signIn, userInfo, signOut } from '../../contract/rest/user.ts';
import { RestClient } from '../../sdk/rest-client.ts';
import { clientId, storedSession } from '../shared/identity.ts';

export type Profile = Static<(typeof signIn)['response']>;

/** The FRTC code of "not signed in / token expired". */
export const SESSION_EXPIRED = '0x10000002';
/** A request running longer than this shows the progress bar. */
const PROGRESS_DELAY_MS = 250;


export interface SessionEvents {
  /** The server said the token is no longer valid (signed out elsewhere, password changed, locked, expired). */
  expired(): void;
  /** Requests in flight for longer than a moment: true when the first starts, false when the last ends. */
  progress(busy: boolean): void;
}

export class Session {
  readonly rest: RestClient;
  profile: Profile | undefined;
  private inFlight = 0;
  private progressTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly events: SessionEvents) {
    const token = storedSession.token();
    this.rest = new RestClient({ baseUrl: location.origin, clientId: clientId(), ...(token ? { token } : {}), fetch: (i, init) => this.fetch(i, init) });
  }

  /** The username of the current or last session (to prefill the sign-in form). */
  get lastUsername(): string {
    return this.profile?.username ?? storedSession.username();
  }

  get hasToken(): boolean {
    return this.rest.token !== undefined;
  }

  get role(): RoleName {
    return this.profile?.role[0] ?? 'Normal';
  }

  /** MeetingOperator or SystemAdmin: every live meeting, anyone's meetings. */
  get isOperator(): boolean {
    return this.role === 'MeetingOperator' || this.role === 'SystemAdmin';
  }

  get isAdmin(): boolean {
    return this.role === 'SystemAdmin';
  }

  /** Checks a stored token with the profile call (the apps' automatic sign-in); false when there is none. */
  async resume(): Promise<boolean> {
    if (!this.hasToken) return false;
    this.profile = await this.rest.call(userInfo, { method: 'GET' });
    return true;
  }

  async signIn(username: string, password: string): Promise<Profile> {
    this.rest.setToken(undefined);
    const profile = await this.rest.signIn(username, password);
    this.profile = profile;
    storedSession.save(profile.user_token, profile.username);
    return profile;
  }

  /** Ends the session on the server (best effort) and forgets it here. */
  async signOut(): Promise<void> {
    if (this.hasToken) await this.rest.call(signOut).catch(() => undefined);
    this.forget();
  }

  /** Forgets the token (the username stays, for the next sign-in). */
  forget(): void {
    this.rest.setToken(undefined);
    this.profile = undefined;
    storedSession.forget();
  }

  private async fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    this.begin();
    try {
      const response = await fetch(input, init);
      if (response.status === 401 && this.hasToken) {
        const body = (await response.clone().json().catch(() => undefined)) as { errorCode?: string } | undefined;
        if (body?.errorCode === SESSION_EXPIRED) {
          this.forget();
          this.events.expired();
        }
      }
      return response;
    } finally {
      this.end();
    }
  }

  private begin(): void {
    if (this.inFlight++ === 0) this.progressTimer = setTimeout(() => this.events.progress(true), PROGRESS_DELAY_MS);
  }

  private end(): void {
    if (--this.inFlight > 0) return;
    clearTimeout(this.progressTimer);
    this.events.progress(false);
  }
}
