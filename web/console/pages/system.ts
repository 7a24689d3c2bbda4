/** System, for SystemAdmin (#/admin/system): version, licence limits and use, database, media workers. */
import { capacity, status } from '../../../contract/rest/system.ts';
import { h } from '../../shared/dom.ts';
import { lang, t } from '../i18n.ts';
import type { PageContext } from '../page.ts';
import { formatInstant } from '../time.ts';
import { facts, heading, loadFailed } from '../ui.ts';

const MB = 1024 * 1024;

export async function systemPage(ctx: PageContext): Promise<void> {
  ctx.title(t('system.title'));
  const body = h('div', { 'aria-busy': 'true' });
  ctx.main.replaceChildren(heading(t('system.title')), body);
  try {
    const [s, c] = await Promise.all([ctx.session.rest.call(status), ctx.session.rest.call(capacity, { method: 'GET' })]);
    if (ctx.signal.aborted) return;
    const use = (current: number, max: number) => t('system.use', { current, max });
    const workers = s.media.workers;
    body.replaceChildren(
      h('section', { class: 'panel', 'aria-labelledby': 'server-title' }, h('h2', { id: 'server-title' }, t('system.server')), facts([
        [t('system.version'), s.version],
        [t('system.database'), s.database === 'postgres' ? 'PostgreSQL' : 'SQLite'],
        [t('system.started'), formatInstant(s.started_time, lang())],
      ])),
      h('section', { class: 'panel', 'aria-labelledby': 'licence-title' }, h('h2', { id: 'licence-title' }, t('system.licence')), facts([
        [t('system.calls'), use(c.system.current_calls, c.system.max_calls)],
        [t('system.users'), use(c.system.current_users, c.system.max_users)],
        [t('system.gateway'), use(c.gateway.current_calls, c.gateway.max_calls)],
        [t('system.licenceStatus'), c.system.status === 'authorized' ? t('system.authorized') : t('system.exceeded')],
      ])),
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'media-title', 'data-media': !s.media.enabled ? 'off' : s.media.running ? 'running' : 'failed' },
        h('h2', { id: 'media-title' }, t('system.media')),
        h('p', {}, !s.media.enabled ? t('system.mediaOff') : s.media.running ? t('system.mediaRunning', { count: workers.length }) : t('system.mediaFailed')),
        workers.length === 0
          ? ''
          : h(
              'div',
              { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('system.workers') },
              h(
                'table',
                {},
                h('caption', { class: 'visually-hidden' }, t('system.workers')),
                h('thead', {}, h('tr', {}, ...[t('system.worker'), t('system.state'), t('system.meetings'), t('system.memory')].map((c) => h('th', { scope: 'col' }, c)))),
                h('tbody', {}, ...workers.map((w) => h('tr', {}, h('td', {}, String(w.id)), h('td', {}, w.state), h('td', {}, String(w.rooms)), h('td', {}, w.rss ? `${Math.round(w.rss / MB)} MB` : '–')))),
              ),
            ),
      ),
    );
  } catch (e) {
    loadFailed(body, e);
  } finally {
    body.removeAttribute('aria-busy');
  }
}
