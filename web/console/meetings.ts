/** What the meeting pages say about a meeting or series: links, rule in words, invitation text, who may change it. */
import type { Static } from 'typebox';
import { calendarDownload } from '../../contract/rest/meeting-links.ts';
import type { getMeeting, listMeetings, listOccurrences } from '../../contract/rest/meeting-schedule.ts';
import { lang, t } from './i18n.ts';
import type { Session } from './session.ts';
import { browserZone, formatRange, weekdayName, zoneAbbreviation } from './time.ts';

export type MeetingDetail = Static<(typeof getMeeting)['response']>;
export type MeetingListItem = Static<(typeof listMeetings)['response']>['meeting_schedules'][number];
export type OccurrencePage = Static<(typeof listOccurrences)['response']>;
export type Occurrence = OccurrencePage['meeting_schedules'][number];

/** The fields every view of a meeting has (detail, list entry, occurrence). */
type Meeting = Pick<MeetingDetail, 'meeting_url' | 'owner_id' | 'participantUsers' | 'recurrence_type' | 'recurrence_gid' | 'meetingInfoKey'>;

export const isSeries = (m: Pick<Meeting, 'recurrence_type' | 'recurrence_gid'>): boolean => m.recurrence_type !== 'NONE' && m.recurrence_gid !== '';

/** The key of a meeting link (its last path segment); '' when there is none. */
export function linkKey(url: string): string {
  try {
    return new URL(url, location.origin).pathname.split('/').filter(Boolean).pop() ?? '';
  } catch {
    return '';
  }
}

/** The meeting app opened on the meeting of this link key (the key is the invitation: no password asked). */
export const joinInBrowser = (key: string): string => `/app/#key=${encodeURIComponent(key)}`;

/** The .ics download of a meeting (its key) or a whole series (its group key). */
export const calendarHref = (key: string): string => calendarDownload.path.replace('{key}', encodeURIComponent(key));

/** Owner, MeetingOperator and SystemAdmin may change and delete; the API checks it again. */
export const mayManage = (session: Session, m: Pick<Meeting, 'owner_id'>): boolean => session.isOperator || m.owner_id === session.profile?.user_id;

/** Added to one's list by link: neither owned nor invited (such entries can be removed from the list). */
export const addedByLink = (session: Session, m: Pick<Meeting, 'owner_id' | 'participantUsers'>): boolean => {
  const me = session.profile?.user_id ?? '';
  return m.owner_id !== me && !m.participantUsers.includes(me);
};

export interface Rule {
  recurrenceType: string;
  recurrenceInterval: number;
  recurrenceDaysOfWeek: readonly number[];
  recurrenceDaysOfMonth: readonly number[];
}

/** "Every 2 weeks on Mon, Wed", "Monthly on the 1st, 15th", in the console's language. */
export function describeRule(rule: Rule): string {
  const n = Math.max(1, rule.recurrenceInterval);
  switch (rule.recurrenceType) {
    case 'DAILY':
      return n === 1 ? t('rule.daily') : t('rule.everyNDays', { n });
    case 'WEEKLY': {
      const days = rule.recurrenceDaysOfWeek.map((d) => weekdayName(d, lang())).join(t('list.separator'));
      return n === 1 ? t('rule.weekly', { days }) : t('rule.everyNWeeks', { n, days });
    }
    case 'MONTHLY': {
      const days = rule.recurrenceDaysOfMonth.join(t('list.separator'));
      return n === 1 ? t('rule.monthly', { days }) : t('rule.everyNMonths', { n, days });
    }
    default:
      return '';
  }
}

/** The times in the browser's zone, and, for a series that follows another zone, its times there too. */
export function whenText(start: number, end: number, seriesZone = ''): string {
  const here = formatRange(start, end, lang());
  const zone = seriesZone && seriesZone !== browserZone() ? seriesZone : '';
  if (!zone) return here;
  return t('time.inSeriesZone', { here, there: formatRange(start, end, lang(), zone), zone: `${zone}, ${zoneAbbreviation(start, zone, lang())}` });
}

/** The invitation people paste into mail or chat: what, when, number, password, link. */
export function invitationText(
  m: Pick<MeetingDetail, 'owner_name' | 'meeting_name' | 'schedule_start_time' | 'schedule_end_time' | 'time_zone' | 'meeting_number' | 'meeting_password' | 'groupMeetingUrl' | 'meeting_url'>,
  rule?: string,
): string {
  const lines = [
    t('invite.header', { owner: m.owner_name || '' }),
    '',
    `${t('invite.meeting')}: ${m.meeting_name}`,
    `${t('invite.time')}: ${whenText(m.schedule_start_time, m.schedule_end_time, m.time_zone)}`,
  ];
  if (rule) lines.push(`${t('invite.repeats')}: ${rule}`);
  lines.push(`${t('invite.number')}: ${m.meeting_number}`);
  if (m.meeting_password) lines.push(`${t('invite.password')}: ${m.meeting_password}`);
  const link = rule && m.groupMeetingUrl ? m.groupMeetingUrl : m.meeting_url;
  if (link) lines.push('', `${t('invite.link')}: ${link}`);
  return lines.join('\n');
}
