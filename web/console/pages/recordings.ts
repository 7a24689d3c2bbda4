/**
 * My recordings (#/recordings) — PLACEHOLDER until the recording capability lands.
 *
 * The contract on this branch has no recording listing yet: only the control call POST/DELETE
 * /api/v1/meeting/{n}/recording, which answers 0x10002001 (service unavailable). When the recording issue adds its
 * operations (list, file, delete) to contract/rest/, this page lists the caller's recordings with them, plays one in
 * a <video> element (CSP media-src 'self' already allows it), links the download and deletes with a confirmation.
 */
import { h } from '../../shared/dom.ts';
import { t } from '../i18n.ts';
import type { PageContext } from '../page.ts';
import { heading } from '../ui.ts';

export function recordingsPage(ctx: PageContext): void {
  ctx.title(t('recordings.title'));
  ctx.main.replaceChildren(heading(t('recordings.title')), h('p', { class: 'note placeholder', 'data-placeholder': 'recordings' }, t('recordings.notYet')));
}
