/**
 * Convene in the browser: join a meeting by link (`/app/#key=<meeting link key>`) or by number, as a guest or
 * signed in, and take part through the signalling protocol (sdk/SignalClient), with audio and video through the SFU
 * behind the seam of web/media.ts (MediaSession).
 */
import { resolveMeetingLink } from '../contract/rest/meeting-links.ts';
import { userInfo } from '../contract/rest/user.ts';
import { CLOSE_CODES, SIGNAL_PATH } from '../contract/signal/protocol.ts';
import { RestClient, RestError } from '../sdk/rest-client.ts';
import { JoinError, type JoinOptions, SignalClient, type WebSocketConstructorLike } from '../sdk/signal-client.ts';
import { LocalDevices } from './devices.ts';
import { byId, input } from './shared/dom.ts';
import { clientId, remembered, storedSession } from './shared/identity.ts';
import { JoinPreview } from './join-preview.ts';
import { type MediaSession, NoMedia } from './media.ts';
import { MeetingView } from './meeting-view.ts';
import { LOBBY_REFUSED, REPLACED, reasonText, TOO_FAST } from './reasons.ts';
import { WebRtcMedia } from './webrtc-media.ts';

type Screen = 'join' | 'connecting' | 'passcode' | 'lobby' | 'meeting' | 'end';
const SCREENS: Screen[] = ['join', 'connecting', 'passcode', 'lobby', 'meeting', 'end'];

/** How long the app keeps trying to resume a dropped connection (the server holds the place for 30 s by default). */
const RESUME_WINDOW_MS = 30_000;
const RESUME_RETRY_MS = 1500;

interface JoinRequest {
  meetingNumber: string;
  displayName: string;
  passcode: string;
  username: string;
  password: string;
  /** The join screen's choices: start with the microphone / camera off. */
  audioMute: boolean;
  videoMute: boolean;
  /** The meeting link's key, when the page was opened from the link of this meeting (no passcode is asked then). */
  linkKey?: string;
}

type MediaFactory = (signal: SignalClient, devices: LocalDevices) => MediaSession;
/** The media implementation each meeting gets; a browser without WebRTC gets placeholders. */
let createMedia: MediaFactory = (signal, devices) =>
  typeof RTCPeerConnection === 'function' ? new WebRtcMedia(signal, devices, byId('audio-sinks')) : new NoMedia();
export function setMediaFactory(factory: MediaFactory): void {
  createMedia = factory;
}

const origin = location.origin;
const me = clientId();
let lastRequest: JoinRequest | undefined;
/** The meeting the page's link resolved to (#key=…), shown above the form. */
let linkMeeting: { number: string; name: string; password: string; key: string } | undefined;
interface Session {
  signal: SignalClient;
  view: MeetingView;
  media: MediaSession;
  final: boolean;
  /** Joins again with what the person entered (after a lost node took the place with it). */
  rejoin: () => Promise<void>;
}
let current: Session | undefined;
/** The web console's session in this browser, once checked: joins without a typed username use it. */
let consoleToken: string | undefined;
const devices = new LocalDevices();
const preview = new JoinPreview(devices);

function show(screen: Screen): void {
  for (const s of SCREENS) byId(`${s}-screen`).hidden = s !== screen;
  document.body.dataset.screen = screen;
  if (screen === 'join') void preview.show();
  else preview.hide();
}

let toastTimer: ReturnType<typeof setTimeout> | undefined;
function toast(text: string): void {
  const el = byId('toast');
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (el.hidden = true), 6000);
}

function banner(text: string | undefined): void {
  const el = byId('banner');
  el.textContent = text ?? '';
  el.hidden = text === undefined;
}

function joinError(text: string | undefined): void {
  const el = byId('join-error');
  el.textContent = text ?? '';
  el.hidden = text === undefined;
}

/** The failure / goodbye screen; `data-reason` carries the protocol reason for tests and styling. */
function showEnd(reason: string, phase: 'join' | 'ended', serverMessage = ''): void {
  banner(undefined);
  const text = reasonText(reason, phase, serverMessage);
  const screen = byId('end-screen');
  screen.dataset.reason = reason;
  screen.dataset.phase = phase;
  byId('end-title').textContent = text.title;
  byId('end-message').textContent = text.message;
  byId('end-rejoin').hidden = !text.rejoin || !lastRequest;
  byId('end-sign-in').hidden = !text.signIn;
  // Out of the meeting the camera and microphone are let go (the light goes off); joining again reopens them.
  devices.release();
  show('end');
}

// ---- joining --------------------------------------------------------------------------------------------------

/** Shows the passcode prompt; resolves with the passcode, or undefined when the participant cancels. */
function askPasscode(attemptsLeft: number, rejected: boolean): Promise<string | undefined> {
  const message = byId('passcode-message');
  message.textContent = rejected
    ? `Wrong password. ${attemptsLeft} ${attemptsLeft === 1 ? 'attempt' : 'attempts'} left.`
    : 'This meeting needs a password.';
  message.dataset.rejected = String(rejected);
  message.dataset.attemptsLeft = String(attemptsLeft);
  message.className = rejected ? 'error' : '';
  const field = input('passcode-input');
  field.value = '';
  show('passcode');
  field.focus();
  return new Promise((resolve) => {
    const form = byId<HTMLFormElement>('passcode-form');
    const cancel = byId('passcode-cancel');
    const done = (value: string | undefined) => {
      form.removeEventListener('submit', submit);
      cancel.removeEventListener('click', cancelled);
      show('connecting');
      resolve(value);
    };
    const submit = (event: Event) => {
      event.preventDefault();
      done(field.value.trim());
    };
    const cancelled = () => done(undefined);
    form.addEventListener('submit', submit);
    cancel.addEventListener('click', cancelled);
  });
}

async function join(request: JoinRequest): Promise<void> {
  lastRequest = request;
  joinError(undefined);
  show('connecting');
  const rest = new RestClient({ baseUrl: origin, clientId: me });
  if (request.username !== '') {
    try {
      await rest.signIn(request.username, request.password);
    } catch (e) {
      show('join');
      joinError(signInError(e));
      return;
    }
  } else if (consoleToken) {
    rest.setToken(consoleToken);
  }
  remembered.save(request.displayName, request.username);
  // What the browser grants decides what is published: a missing device joins muted rather than failing. The devices
  // may still be opening (a slow camera, a permission prompt): the choice made on the join screen is applied to what
  // they turn out to be once they are open.
  await devices.acquire();
  // The inbox is bounded: speaker and slot events keep coming for as long as the meeting runs.
  const signal = new SignalClient({ url: origin.replace(/^http/, 'ws') + SIGNAL_PATH, WebSocket: WebSocket as unknown as WebSocketConstructorLike, inboxLimit: 400 });
  const media = createMedia(signal, devices);
  const view = new MeetingView(signal, rest, media, toast);
  const session: Session = { signal, view, media, final: false, rejoin: async () => {} };
  current = session;
  signal.on('meeting.status', (e) => {
    if (e.status !== 'disconnected' || current !== session || session.final) return;
    // The server is going away (restart, a node leaving the cluster): the connection's end is followed by joining again.
    if (e.reason === 'MeetingEndAbnormal') return;
    session.final = true;
    view.dispose();
    showEnd(e.reason, 'ended', e.message);
  });
  // The passcode that let this person in is remembered for joining again after a lost node (see watch()).
  let passcode = request.passcode;
  const joinParams = () => ({
    meeting_number: request.meetingNumber,
    client_id: me,
    display_name: request.displayName,
    ...(rest.token ? { token: rest.token } : {}),
    ...(passcode !== '' ? { passcode } : {}),
    ...(request.linkKey ? { link_key: request.linkKey } : {}),
    audio_mute: request.audioMute || !devices.audio,
    video_mute: request.videoMute || !devices.video,
  });
  let waited = false;
  const leaveLobby = () => void signal.leave().catch(() => undefined);
  byId('lobby-leave').addEventListener('click', leaveLobby);
  const joinOptions: JoinOptions = {
    onPasscode: async (...args) => {
      const given = await askPasscode(...args);
      if (given !== undefined) passcode = given;
      return given;
    },
    onLobby: (e) => {
      waited = true;
      byId('lobby-meeting').textContent = e.meeting_name;
      show('lobby');
    },
  };
  session.rejoin = () => signal.join(joinParams(), joinOptions).then(() => undefined);
  try {
    await signal.join(joinParams(), joinOptions);
  } catch (e) {
    session.final = true;
    view.dispose();
    if (waited && e instanceof JoinError && e.reason === 'ServerReject') {
      showEnd(LOBBY_REFUSED, 'join');
      return;
    }
    if (e instanceof JoinError && e.local && e.reason === 'PasscodeFailed') {
      // Cancelled at the passcode prompt: back to the form.
      show('join');
      return;
    }
    if (e instanceof JoinError) showEnd(e.reason, 'join', e.message);
    else showEnd('UnknownReason', 'join', e instanceof Error ? e.message : String(e));
    return;
  }
  finally {
    byId('lobby-leave').removeEventListener('click', leaveLobby);
  }
  if (session.final) return; // disconnected during the snapshot
  show('meeting');
  view.render();
  media.start();
  void watch(session);
}

function signInError(e: unknown): string {
  if (e instanceof RestError) {
    if (e.errorCode === '0x00003001') return 'Sign-in failed: this account is frozen for a few minutes after too many wrong passwords.';
    if (e.errorCode === '0x00003002') return 'Sign-in failed: this account is locked.';
    if (e.status === 401) return 'Sign-in failed: wrong username or password.';
    if (e.status === 429) return 'Sign-in failed: too many attempts. Try again in a minute.';
    return `Sign-in failed: ${e.error}`;
  }
  return `Sign-in failed: ${e instanceof Error ? e.message : String(e)}`;
}

/** Follows the connection: a drop without a final status is resumed within the resume window. */
async function watch(session: Session): Promise<void> {
  const { signal } = session;
  for (;;) {
    const closed = await signal.closed;
    if (session.final || current !== session) return;
    if (closed.code === CLOSE_CODES.replaced || closed.code === CLOSE_CODES.tooFast) {
      session.final = true;
      session.view.dispose();
      showEnd(closed.code === CLOSE_CODES.replaced ? REPLACED : TOO_FAST, 'ended');
      return;
    }
    banner('Reconnecting…');
    document.body.dataset.reconnecting = 'true';
    const deadline = Date.now() + RESUME_WINDOW_MS;
    let resumed = false;
    // Resume the place; once the server says it is gone though nobody ended it (the meeting's node was lost or is
    // restarting, or the resume window passed), join again with what the person entered, as the FRTC apps do on
    // MeetingEndAbnormal.
    let attempt: 'resume' | 'rejoin' = 'resume';
    while (!session.final && Date.now() < deadline) {
      try {
        if (attempt === 'resume') await signal.resume({ timeoutMs: 5000 });
        else await session.rejoin();
        resumed = true;
        break;
      } catch (e) {
        if (e instanceof JoinError && !e.local) {
          if (attempt === 'resume' && e.reason === 'MeetingInterrupt') {
            attempt = 'rejoin';
            continue;
          }
          // The server answered: the meeting ended meanwhile, or it refuses this person now.
          session.final = true;
          session.view.dispose();
          showEnd(e.reason, 'ended', e.message);
          return;
        }
        await new Promise((r) => setTimeout(r, RESUME_RETRY_MS));
      }
    }
    delete document.body.dataset.reconnecting;
    if (session.final) return;
    if (!resumed) {
      session.final = true;
      session.view.dispose();
      showEnd('MeetingInterrupt', 'ended');
      return;
    }
    banner(undefined);
    document.body.dataset.resumes = String(Number(document.body.dataset.resumes ?? 0) + 1);
    session.view.render();
    session.media.reconnect();
  }
}

async function leave(): Promise<void> {
  const session = current;
  if (!session || session.final) return;
  // The server answers leave with meeting.status disconnected StatusOk, which shows the goodbye screen.
  await session.signal.leave().catch(() => undefined);
  if (!session.final) {
    session.final = true;
    session.view.dispose();
    showEnd('StatusOk', 'ended');
  }
}

// ---- the join form --------------------------------------------------------------------------------------------

function formRequest(): JoinRequest {
  const meetingNumber = input('meeting-number').value.replace(/\s+/g, '');
  return {
    meetingNumber,
    displayName: input('display-name').value.trim(),
    passcode: input('passcode').value.trim(),
    username: input('username').value.trim(),
    password: input('password').value,
    ...preview.choices(),
    ...(linkMeeting && linkMeeting.number === meetingNumber ? { linkKey: linkMeeting.key } : {}),
  };
}

function showJoinForm(focusSignIn = false): void {
  current = undefined;
  banner(undefined);
  if (focusSignIn) byId<HTMLDetailsElement>('sign-in').open = true;
  show('join');
  (focusSignIn ? input('username') : input('meeting-number').value ? input('display-name') : input('meeting-number')).focus();
}

/** `#key=<meeting link key>`: the link's meeting number (and password: holding the link is the invitation). */
async function resolveLink(): Promise<void> {
  const hash = new URLSearchParams(location.hash.slice(1));
  const key = hash.get('key');
  // `#number=<digits>`: a meeting number to join (the console's "start the meeting" of a room), without a password.
  const number = hash.get('number');
  if (!key && number && /^[0-9]{1,32}$/.test(number)) input('meeting-number').value = number;
  if (!key) return;
  const note = byId('join-meeting');
  try {
    const rest = new RestClient({ baseUrl: origin, clientId: me });
    const info = await rest.call(resolveMeetingLink, { params: { key } });
    linkMeeting = { number: info.meeting_number, name: info.meeting_name, password: info.meeting_password, key };
    input('meeting-number').value = info.meeting_number;
    input('passcode').value = info.meeting_password;
    note.textContent = `Joining “${info.meeting_name}”`;
    note.dataset.meetingNumber = info.meeting_number;
    if (info.meeting_status === 'ENDED') note.textContent += ' — this meeting has ended.';
  } catch (e) {
    note.textContent =
      e instanceof RestError && e.status === 404
        ? 'This meeting link does not work (any more): the meeting was deleted, or the organiser replaced its link. Ask the organiser for the current link.'
        : 'The meeting link could not be read.';
    note.className = 'error';
  }
  note.hidden = false;
}

/** Signed in to the console in this browser: say so, and join as that user (hosting one's own meetings). */
async function adoptConsoleSession(): Promise<void> {
  const token = storedSession.token();
  if (!token) return;
  try {
    const profile = await new RestClient({ baseUrl: origin, clientId: me, token }).call(userInfo, { method: 'GET' });
    consoleToken = token;
    const note = byId('signed-in');
    note.textContent = `Signed in as ${profile.real_name || profile.username}: you join as yourself. Fill in the sign-in below to join as someone else.`;
    note.hidden = false;
    if (!input('display-name').value) input('display-name').value = profile.real_name || profile.username;
  } catch {
    // Expired or revoked: join as a guest or sign in below, as without the console.
  }
}

function start(): void {
  input('display-name').value = remembered.name();
  input('username').value = remembered.username();
  byId('join-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const request = formRequest();
    if (!/^[0-9]+$/.test(request.meetingNumber)) return joinError('Enter the meeting number (digits only).');
    if (request.displayName === '') return joinError('Enter your name.');
    if (request.username !== '' && request.password === '') return joinError('Enter your password to sign in.');
    void join(request);
  });
  byId('leave').addEventListener('click', () => void leave());
  byId('end-rejoin').addEventListener('click', () => {
    if (lastRequest) void join(lastRequest);
  });
  byId('end-sign-in').addEventListener('click', () => showJoinForm(true));
  byId('end-home').addEventListener('click', () => showJoinForm());
  window.addEventListener('pagehide', () => {
    // Closing the tab leaves the meeting at once instead of holding the place for the resume window.
    if (!current || current.final) return;
    try {
      current.signal.sendRaw(JSON.stringify({ type: 'leave' }));
    } catch {
      // not connected: nothing to leave
    }
  });
  show('join');
  void Promise.all([resolveLink(), adoptConsoleSession()]).then(() => {
    document.body.dataset.ready = 'true';
    if (linkMeeting) input('display-name').focus();
  });
}

start();
