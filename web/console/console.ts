/**
 * The Convene web console (/console/): schedule, manage and run meetings from a browser, on the same REST API as the
 * FRTC apps (sdk/RestClient over contract/). Plain DOM like the meeting app: a header with the navigation, the
 * language switch and sign-out, and one page at a time chosen by the URL's hash (#/meetings, #/live/123…).
 */
import { h } from '../shared/dom.ts';
import { detectLang, LANGS, lang, setLang, t, type MessageKey } from './i18n.ts';
import { go, matchRoute, parseHash, type Route } from './page.ts';
import { adminRoomsPage, editRoomPage, newRoomPage } from './pages/admin-rooms.ts';
import { editUserPage, newUserPage, usersPage } from './pages/admin-users.ts';
import { historyPage } from './pages/history.ts';
import { liveListPage, liveMeetingPage } from './pages/live.ts';
import { meetingDetailPage } from './pages/meeting-detail.ts';
import { editMeetingPage, editSeriesPage, newMeetingPage } from './pages/meeting-form.ts';
import { meetingsPage } from './pages/meetings.ts';
import { profilePage } from './pages/profile.ts';
import { recordingsPage } from './pages/recordings.ts';
import { roomsPage } from './pages/rooms.ts';
import { seriesPage } from './pages/series.ts';
import { signInScreen } from './pages/sign-in.ts';
import { systemPage } from './pages/system.ts';
import { Session } from './session.ts';
import { errorText } from './ui.ts';

const ROUTES: Route[] = [
  { pattern: '/meetings', render: meetingsPage },
  { pattern: '/meetings/new', render: newMeetingPage },
  { pattern: '/meeting/:id', render: meetingDetailPage },
  { pattern: '/meeting/:id/edit', render: editMeetingPage },
  { pattern: '/series/:id', render: seriesPage },
  { pattern: '/series/:id/edit', render: editSeriesPage },
  { pattern: '/rooms', render: roomsPage },
  { pattern: '/recordings', render: recordingsPage },
  { pattern: '/profile', render: profilePage },
  { pattern: '/live', render: liveListPage },
  { pattern: '/live/:number', render: liveMeetingPage },
  { pattern: '/history', render: historyPage },
  { pattern: '/history/:number', render: historyPage },
  { pattern: '/admin/users', render: usersPage, audience: 'admin' },
  { pattern: '/admin/users/new', render: newUserPage, audience: 'admin' },
  { pattern: '/admin/users/:id', render: editUserPage, audience: 'admin' },
  { pattern: '/admin/rooms', render: adminRoomsPage, audience: 'admin' },
  { pattern: '/admin/rooms/new', render: newRoomPage, audience: 'admin' },
  { pattern: '/admin/rooms/:id', render: editRoomPage, audience: 'admin' },
  { pattern: '/admin/system', render: systemPage, audience: 'admin' },
];

/** The navigation: everyone's pages, then the administrators'. Live and History show operators every meeting and
 * owners their own (the API decides which). */
const NAV: { path: string; label: MessageKey; audience?: 'admin' }[] = [
  { path: '/meetings', label: 'nav.meetings' },
  { path: '/rooms', label: 'nav.rooms' },
  { path: '/recordings', label: 'nav.recordings' },
  { path: '/live', label: 'nav.live' },
  { path: '/history', label: 'nav.history' },
  { path: '/admin/users', label: 'nav.users', audience: 'admin' },
  { path: '/admin/rooms', label: 'nav.adminRooms', audience: 'admin' },
  { path: '/admin/system', label: 'nav.system', audience: 'admin' },
  { path: '/profile', label: 'nav.profile' },
];

const root = document.getElementById('console')!;
const progress = h('div', { id: 'progress', role: 'progressbar', 'aria-label': '', hidden: true });
let page: AbortController | undefined;
let screen: 'signIn' | 'expired' | 'console' = 'signIn';

const session = new Session({
  expired() {
    page?.abort();
    showSignIn(true);
  },
  progress(busy) {
    progress.hidden = !busy;
    document.body.dataset.busy = String(busy);
  },
});

function languageSwitch(): HTMLElement {
  progress.setAttribute('aria-label', t('shell.loading'));
  const select = h('select', { id: 'language', 'aria-label': t('shell.language') }, ...LANGS.map(([code, name]) => h('option', { value: code, selected: code === lang(), lang: code }, name)));
  select.addEventListener('change', () => {
    setLang(select.value, true);
    render();
  });
  return h('div', { class: 'language' }, select);
}

function showSignIn(expired: boolean): void {
  screen = expired ? 'expired' : 'signIn';
  document.body.dataset.screen = screen;
  document.title = `${t(expired ? 'signIn.expiredTitle' : 'signIn.title')} – Convene`;
  root.replaceChildren(
    h('header', { class: 'top bare' }, h('span', { class: 'brand' }, 'Convene'), languageSwitch()),
    progress,
    h(
      'main',
      { id: 'main' },
      signInScreen(session, expired, () => {
        screen = 'console';
        render();
      }),
    ),
  );
}

/** The header and the current route's page. */
function render(): void {
  if (screen !== 'console') return showSignIn(screen === 'expired');
  document.body.dataset.screen = 'console';
  const { path, query } = parseHash(location.hash);
  const found = matchRoute(ROUTES, path);
  if (!found) return void go('/meetings');
  page?.abort();
  page = new AbortController();
  const main = h('main', { id: 'main', tabindex: '-1' });
  const skip = h('a', { class: 'skip', href: '#main' }, t('shell.skip'));
  skip.addEventListener('click', (e) => {
    e.preventDefault();
    main.focus();
  });
  const profile = session.profile!;
  const nav = h(
    'nav',
    { 'aria-label': t('shell.nav') },
    h(
      'ul',
      {},
      ...NAV.filter((n) => n.audience !== 'admin' || session.isAdmin).map((n) =>
        h('li', {}, h('a', { href: `#${n.path}`, 'aria-current': path === n.path || path.startsWith(`${n.path}/`) ? 'page' : undefined, 'data-nav': n.path }, t(n.label))),
      ),
    ),
  );
  const signOut = h('button', { type: 'button', id: 'sign-out' }, t('shell.signOut'));
  signOut.addEventListener('click', () => {
    page?.abort();
    void session.signOut().then(() => showSignIn(false));
  });
  root.replaceChildren(
    skip,
    h(
      'header',
      { class: 'top' },
      h('a', { class: 'brand', href: '#/meetings' }, 'Convene'),
      nav,
      h('div', { class: 'account' }, h('span', { class: 'who', 'data-role': profile.role[0] ?? '' }, profile.real_name || profile.username), languageSwitch(), signOut),
    ),
    progress,
    main,
  );
  const signal = page.signal;
  main.setAttribute('aria-busy', 'true');
  Promise.resolve(
    found.route.render({
      session,
      main,
      params: found.params,
      query,
      signal,
      title: (text) => (document.title = `${text} – ${t('shell.console')}`),
    }),
  )
    .catch((e: unknown) => {
      if (!signal.aborted) main.replaceChildren(h('p', { class: 'error', role: 'alert' }, errorText(e)));
    })
    .finally(() => {
      if (signal.aborted) return;
      main.removeAttribute('aria-busy');
      document.body.dataset.page = found.route.pattern;
      // The new page's heading takes the focus, so that a screen reader announces it (not on the first load).
      if (navigated) main.querySelector<HTMLElement>('h1')?.focus();
      navigated = true;
    });
}
let navigated = false;

async function start(): Promise<void> {
  setLang(detectLang(), false);
  window.addEventListener('hashchange', () => render());
  try {
    if (await session.resume()) screen = 'console';
  } catch {
    // An expired token already showed the expired-session screen; any other failure shows the sign-in screen.
    if (screen === 'signIn') showSignIn(false);
    document.body.dataset.ready = 'true';
    return;
  }
  render();
  document.body.dataset.ready = 'true';
}

void start();
