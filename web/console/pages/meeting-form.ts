/**
 * Creating and editing meetings: an instant meeting, a reservation or a recurring series (the full FRTC model: daily,
 * weekly or monthly, an interval, weekdays or days of the month, ending on a day or after a number of occurrences, in
 * a time zone), editing a reservation, one occurrence, or a whole series.
 *
 * Times are entered in the browser's zone; a series is defined in its own zone (the browser's by default), which the
 * server then follows across daylight-saving changes.
 */
import { CALL_RATES, createMeeting, getMeeting, updateMeeting, updateSeries } from '../../../contract/rest/meeting-schedule.ts';
import { listOwnMeetingRooms } from '../../../contract/rest/meeting-room.ts';
import { h } from '../../shared/dom.ts';
import { lang, t } from '../i18n.ts';
import { isSeries, type MeetingDetail } from '../meetings.ts';
import { go, type PageContext } from '../page.ts';
import { type Frequency, firstDay, lastDayForCount, type Pattern } from '../recurrence.ts';
import { browserZone, dateOfDay, dayNumber, timeZones, wallDate, wallTime, weekdayName, zonedEpoch } from '../time.ts';
import { checkbox, field, fieldset, heading, loadFailed, placeError, submitForm } from '../ui.ts';
import { UserPicker } from '../user-picker.ts';

type Kind = 'instant' | 'reservation' | 'recurrence';
/** What the form edits: a new meeting, a reservation, one occurrence of a series, or the whole series. */
type Mode = 'create' | 'reservation' | 'occurrence' | 'series';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The most occurrences the count field offers (the server's own limit, 5000 by default, applies too). */
const MAX_COUNT = 999;

/** #/meetings/new?type=instant|reservation|recurrence&room=<meeting_room_id> */
export function newMeetingPage(ctx: PageContext): Promise<void> {
  const kind = (['instant', 'reservation', 'recurrence'] as const).find((k) => k === ctx.query.get('type')) ?? 'reservation';
  return meetingForm(ctx, 'create', kind, undefined, ctx.query.get('room') ?? '');
}

/** #/meeting/<reservation_id>/edit: a reservation, or one occurrence of a series. */
export async function editMeetingPage(ctx: PageContext): Promise<void> {
  try {
    const detail = await ctx.session.rest.call(getMeeting, { params: { reservation_id: ctx.params.id! } });
    if (ctx.signal.aborted) return;
    await meetingForm(ctx, isSeries(detail) ? 'occurrence' : 'reservation', isSeries(detail) ? 'recurrence' : 'reservation', detail, detail.meeting_room_id);
  } catch (e) {
    loadFailed(ctx.main, e);
  }
}

/** #/series/<id>/edit: the whole series (id = any occurrence's reservation_id or the recurrence_gid). */
export async function editSeriesPage(ctx: PageContext): Promise<void> {
  try {
    const detail = await ctx.session.rest.call(getMeeting, { params: { reservation_id: ctx.params.id! } });
    if (ctx.signal.aborted) return;
    await meetingForm(ctx, 'series', 'recurrence', detail, detail.meeting_room_id);
  } catch (e) {
    loadFailed(ctx.main, e);
  }
}

const select = (name: string, options: [string, string][], value: string, attrs: Record<string, string> = {}) =>
  h('select', { name, ...attrs }, ...options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)));

async function meetingForm(ctx: PageContext, mode: Mode, initialKind: Kind, detail: MeetingDetail | undefined, roomId: string): Promise<void> {
  const { session } = ctx;
  const title = {
    create: t('form.newTitle'),
    reservation: t('form.editTitle'),
    occurrence: t('form.editOccurrenceTitle'),
    series: t('form.editSeriesTitle'),
  }[mode];
  ctx.title(title);
  const seriesZone = detail?.time_zone || browserZone();
  const now = Date.now();
  const start0 = detail?.schedule_start_time ?? Math.ceil(now / HOUR) * HOUR;
  const end0 = detail?.schedule_end_time ?? start0 + HOUR;
  // A series is edited from its first occurrence; the times are shown in the zone it follows.
  const seriesStart = mode === 'series' && detail ? detail.recurrenceStartTime : start0;
  const seriesEnd = mode === 'series' && detail ? detail.recurrenceEndTime : end0;
  // A series (created or edited whole) is entered in its zone; everything else in the browser's.
  const zoneOf = (kind: Kind) => (kind === 'recurrence' && mode !== 'occurrence' ? zoneSelect.value : browserZone());

  // ---- what and when -----------------------------------------------------------------------------------------
  const kindRadios = h(
    'div',
    { class: 'row', role: 'radiogroup' },
    ...(['instant', 'reservation', 'recurrence'] as const).map((k) =>
      h('label', { class: 'check' }, h('input', { type: 'radio', name: 'meeting_type', value: k, checked: k === initialKind }), t(`form.kind.${k}`)),
    ),
  );
  const name = h('input', { name: 'meeting_name', required: true, maxlength: 128, value: detail?.meeting_name ?? '', autocomplete: 'off' });
  const description = h('textarea', { name: 'meeting_description', maxlength: 2000, rows: 3 });
  description.value = detail?.meeting_description ?? '';
  const zoneSelect = select('time_zone', timeZones().map((z) => [z, z]), seriesZone);
  const shownZone = mode === 'series' || (mode === 'create' && initialKind === 'recurrence') ? seriesZone : browserZone();
  const date = h('input', { type: 'date', name: 'date', required: true, value: wallDate(seriesStart, shownZone) });
  const startTime = h('input', { type: 'time', name: 'start', required: true, value: wallTime(seriesStart, shownZone) });
  const endTime = h('input', { type: 'time', name: 'end', required: true, value: wallTime(seriesEnd, shownZone) });
  const endsNextDay = h('p', { class: 'note', 'aria-live': 'polite' });
  const when = h(
    'div',
    { class: 'when' },
    h(
      'div',
      { class: 'grid3' },
      field(t('form.date'), date, { fields: 'recurrenceStartDay' }),
      field(t('form.start'), startTime, { fields: 'schedule_start_time recurrenceStartTime' }),
      field(t('form.end'), endTime, { fields: 'schedule_end_time recurrenceEndTime' }),
    ),
    endsNextDay,
  );
  const showNextDay = () => {
    endsNextDay.textContent = endTime.value && startTime.value && endTime.value <= startTime.value ? t('form.endsNextDay') : '';
  };
  startTime.addEventListener('input', showNextDay);
  endTime.addEventListener('input', showNextDay);
  showNextDay();
  const zoneField = field(t('form.timeZone'), zoneSelect, { hint: t('form.timeZoneHint') });

  // ---- recurrence --------------------------------------------------------------------------------------------
  const frequency = select(
    'recurrence_type',
    [
      ['DAILY', t('form.daily')],
      ['WEEKLY', t('form.weekly')],
      ['MONTHLY', t('form.monthly')],
    ],
    detail && detail.recurrence_type !== 'NONE' ? detail.recurrence_type : 'WEEKLY',
  );
  const interval = h('input', { type: 'number', name: 'recurrenceInterval', min: 1, max: 99, required: true, value: String(detail?.recurrenceInterval || 1) });
  const initialWeekdays = new Set(detail?.recurrenceDaysOfWeek.length ? detail.recurrenceDaysOfWeek : [new Date(`${date.value}T12:00:00Z`).getUTCDay() + 1]);
  const weekdays = fieldset(
    t('form.weekdays'),
    'recurrenceDaysOfWeek',
    h('div', { class: 'row days' }, ...[2, 3, 4, 5, 6, 7, 1].map((d) => checkbox(weekdayName(d, lang()), 'weekday', initialWeekdays.has(d), { value: String(d), 'aria-label': weekdayName(d, lang(), 'long') }))),
  );
  const initialMonthDays = new Set(detail?.recurrenceDaysOfMonth.length ? detail.recurrenceDaysOfMonth : [Number(date.value.slice(8))]);
  const monthDays = fieldset(
    t('form.monthDays'),
    'recurrenceDaysOfMonth',
    h('div', { class: 'row days month' }, ...Array.from({ length: 31 }, (_, i) => checkbox(String(i + 1), 'monthday', initialMonthDays.has(i + 1), { value: String(i + 1) }))),
  );
  const endMode = h(
    'div',
    { class: 'row', role: 'radiogroup', 'aria-label': t('form.ends') },
    h('label', { class: 'check' }, h('input', { type: 'radio', name: 'end_mode', value: 'until', checked: mode === 'series' }), t('form.endsOn')),
    h('label', { class: 'check' }, h('input', { type: 'radio', name: 'end_mode', value: 'count', checked: mode !== 'series' }), t('form.endsAfter')),
  );
  const untilDefault = detail && mode === 'series' ? wallDate(detail.recurrenceEndDay, seriesZone) : dateOfDay(dayNumber(date.value) + 7 * 12);
  const until = h('input', { type: 'date', name: 'until', value: untilDefault });
  const count = h('input', { type: 'number', name: 'count', min: 1, max: MAX_COUNT, value: '10' });
  const untilField = field(t('form.lastDay'), until, { fields: 'recurrenceEndDay' });
  const countField = field(t('form.count'), count, { fields: 'count' });
  const intervalUnit = h('span', { class: 'note' });
  const recurrence = h(
    'section',
    { class: 'recurrence', 'aria-label': t('form.repeat') },
    h('h2', {}, t('form.repeat')),
    h('div', { class: 'grid2' }, field(t('form.frequency'), frequency), h('div', {}, field(t('form.interval'), interval), intervalUnit)),
    weekdays,
    monthDays,
    fieldset(t('form.ends'), 'ends', endMode, untilField, countField),
    zoneField,
  );
  const drawRecurrence = () => {
    weekdays.hidden = frequency.value !== 'WEEKLY';
    monthDays.hidden = frequency.value !== 'MONTHLY';
    const byCount = endMode.querySelector<HTMLInputElement>('input[value="count"]')!.checked;
    untilField.hidden = byCount;
    countField.hidden = !byCount;
    intervalUnit.textContent = t(`form.unit.${frequency.value as Frequency}`);
  };
  frequency.addEventListener('change', drawRecurrence);
  endMode.addEventListener('change', drawRecurrence);
  drawRecurrence();

  // ---- options -----------------------------------------------------------------------------------------------
  const passwordMode = select(
    'password_mode',
    detail
      ? [
          ['keep', detail.meeting_password ? t('form.password.keep', { password: detail.meeting_password }) : t('form.password.keepNone')],
          ['set', t('form.password.set')],
          ['none', t('form.password.none')],
        ]
      : [
          ['generate', t('form.password.generate')],
          ['set', t('form.password.set')],
          ['none', t('form.password.none')],
        ],
    detail ? 'keep' : 'generate',
  );
  const password = h('input', { name: 'meeting_password', inputmode: 'numeric', pattern: '[0-9]*', maxlength: 16, autocomplete: 'off' });
  const passwordField = field(t('form.password'), password, { hint: t('form.password.hint') });
  const drawPassword = () => {
    passwordField.hidden = passwordMode.value !== 'set';
    password.required = passwordMode.value === 'set';
  };
  passwordMode.addEventListener('change', drawPassword);
  drawPassword();

  const room = select('meeting_room_id', [['', t('form.noRoom')]], roomId);
  const rate = select(
    'call_rate_type',
    [['', t('form.rateDefault')], ...CALL_RATES.filter((r) => session.isOperator || (r !== '6144K' && r !== '8192K')).map((r): [string, string] => [r, r])],
    detail?.call_rate_type ?? '',
  );
  const timeToJoin = select(
    'time_to_join',
    [
      ['30', t('form.join30')],
      ['-1', t('form.joinAny')],
    ],
    String(detail?.time_to_join === -1 ? -1 : 30),
  );
  const lobby = select(
    'lobby',
    [
      ['off', t('form.lobbyOff')],
      ['guests', t('form.lobbyGuests')],
      ['uninvited', t('form.lobbyUninvited')],
    ],
    detail?.lobby ?? 'off',
  );
  const mute = checkbox(t('form.muteOnEntry'), 'mute_upon_entry', detail?.mute_upon_entry === 'ENABLE');
  const guests = checkbox(t('form.allowGuests'), 'guest_dial_in', detail ? detail.guest_dial_in : true);
  const watermark = checkbox(t('form.watermark'), 'watermark', detail?.watermark ?? false);
  const picker = new UserPicker(session, {
    label: t('form.invite'),
    apiField: 'invited_users',
    initial: detail?.invited_users_details ?? [],
  });
  const passwordGroup = h('div', { class: 'grid2' }, field(t('form.passwordChoice'), passwordMode, { fields: 'password_mode' }), passwordField);
  const roomField = field(t('form.room'), room, { hint: t('form.roomHint') });
  const options = h(
    'section',
    { 'aria-label': t('form.options') },
    h('h2', {}, t('form.options')),
    passwordGroup,
    roomField,
    h('div', { class: 'grid2' }, field(t('form.rate'), rate), field(t('form.timeToJoin'), timeToJoin)),
    field(t('form.lobby'), lobby),
    h('div', { class: 'row checks' }, mute, guests, watermark),
    picker.element,
  );

  const form = h(
    'form',
    { class: 'panel meeting-form', novalidate: true, 'data-mode': mode },
    mode === 'create' ? fieldset(t('form.kind'), 'meeting_type', kindRadios) : null,
    field(t('form.name'), name),
    field(t('form.description'), description),
    when,
    recurrence,
    options,
    h(
      'div',
      { class: 'row actions' },
      h('button', { type: 'submit', class: 'primary' }, mode === 'create' ? t('form.create') : t('form.save')),
      h('a', { class: 'button', href: mode === 'create' ? '#/meetings' : detail && isSeries(detail) ? `#/series/${encodeURIComponent(detail.recurrence_gid)}` : `#/meeting/${encodeURIComponent(detail?.reservation_id ?? '')}` }, t('common.cancel')),
    ),
  );
  const kindNow = (): Kind => (form.querySelector<HTMLInputElement>('input[name="meeting_type"]:checked')?.value as Kind | undefined) ?? initialKind;
  const drawKind = () => {
    const kind = kindNow();
    const descriptionField = description.closest('.field') as HTMLElement;
    when.hidden = kind === 'instant';
    descriptionField.hidden = kind === 'instant';
    recurrence.hidden = kind !== 'recurrence' || mode === 'occurrence';
    // An occurrence takes only its times, name, description, rate, mute and joining window (the API's rule).
    options.hidden = kind === 'instant';
    passwordGroup.hidden = mode === 'occurrence';
    roomField.hidden = mode === 'occurrence';
    guests.hidden = mode === 'occurrence';
    watermark.hidden = mode === 'occurrence';
    picker.element.hidden = mode === 'occurrence';
  };
  kindRadios.addEventListener('change', drawKind);
  drawKind();

  ctx.main.replaceChildren(heading(title), form);
  name.focus();

  // The caller's rooms, to hold the meeting in one (the API allows the rooms one owns; administrators any).
  session.rest
    .call(listOwnMeetingRooms, { method: 'GET', query: { page_size: 500 } })
    .then((rooms) => {
      for (const r of rooms.meeting_rooms) room.append(h('option', { value: r.meeting_room_id, selected: r.meeting_room_id === roomId }, `${r.meetingroom_name} (${r.meeting_number})`));
      if (roomId && !rooms.meeting_rooms.some((r) => r.meeting_room_id === roomId)) room.append(h('option', { value: roomId, selected: true }, roomId));
    })
    .catch(() => undefined);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const kind = kindNow();
    const body = buildBody(form, kind);
    if (!body) return;
    void submitForm(form, async () => {
      if (mode === 'create') {
        const created = await session.rest.call(createMeeting, { body: body as never });
        if (isSeries(created)) go(`/series/${encodeURIComponent(created.recurrence_gid)}`, { created: 1 });
        else go(`/meeting/${encodeURIComponent(created.reservation_id)}`, { created: 1 });
      } else if (mode === 'series') {
        const saved = await session.rest.call(updateSeries, { params: { id: detail!.recurrence_gid }, body: body as never });
        go(`/series/${encodeURIComponent(saved.recurrence_gid)}`, { saved: 1 });
      } else {
        const saved = await session.rest.call(updateMeeting, { params: { reservation_id: detail!.reservation_id }, body: body as never });
        if (mode === 'occurrence') go(`/series/${encodeURIComponent(saved.recurrence_gid)}`, { saved: 1 });
        else go(`/meeting/${encodeURIComponent(saved.reservation_id)}`, { saved: 1 });
      }
    });
  });

  /** The request body, or undefined after showing what is missing next to its field. */
  function buildBody(f: HTMLFormElement, kind: Kind): Record<string, unknown> | undefined {
    const problem = (fieldName: string, text: string) => {
      placeError(f, fieldName, text);
      return undefined;
    };
    for (const el of f.querySelectorAll<HTMLElement>('.field-error, .form-error')) el.hidden = true;
    const meetingName = name.value.trim();
    if (meetingName === '') return problem('meeting_name', t('form.required'));
    if (kind === 'instant') return { meeting_type: 'instant', meeting_name: meetingName };

    const zone = zoneOf(kind);
    if (!date.value) return problem('recurrenceStartDay', t('form.required'));
    if (!startTime.value) return problem('schedule_start_time', t('form.required'));
    if (!endTime.value) return problem('schedule_end_time', t('form.required'));
    let day = date.value;
    const body: Record<string, unknown> = { meeting_name: meetingName, meeting_description: description.value };

    if (kind === 'recurrence' && mode !== 'occurrence') {
      const pattern: Pattern = {
        frequency: frequency.value as Frequency,
        interval: Number(interval.value),
        daysOfWeek: [...weekdays.querySelectorAll<HTMLInputElement>('input:checked')].map((i) => Number(i.value)),
        daysOfMonth: [...monthDays.querySelectorAll<HTMLInputElement>('input:checked')].map((i) => Number(i.value)),
      };
      if (!Number.isInteger(pattern.interval) || pattern.interval < 1 || pattern.interval > 99) return problem('recurrenceInterval', t('form.intervalRange'));
      if (pattern.frequency === 'WEEKLY' && pattern.daysOfWeek.length === 0) return problem('recurrenceDaysOfWeek', t('form.chooseWeekday'));
      if (pattern.frequency === 'MONTHLY' && pattern.daysOfMonth.length === 0) return problem('recurrenceDaysOfMonth', t('form.chooseMonthDay'));
      // The first occurrence is the first chosen day on or after the date entered.
      const first = firstDay(pattern, dayNumber(day));
      if (first === undefined) return problem('recurrenceStartDay', t('form.noOccurrence'));
      day = dateOfDay(first);
      let lastDay: number | undefined;
      if (f.querySelector<HTMLInputElement>('input[name="end_mode"]:checked')?.value === 'count') {
        const n = Number(count.value);
        if (!Number.isInteger(n) || n < 1 || n > MAX_COUNT) return problem('count', t('form.countRange', { max: MAX_COUNT }));
        lastDay = lastDayForCount(pattern, first, n);
        if (lastDay === undefined) return problem('count', t('form.noOccurrence'));
      } else {
        if (!until.value) return problem('recurrenceEndDay', t('form.required'));
        lastDay = dayNumber(until.value);
        if (lastDay < first) return problem('recurrenceEndDay', t('form.lastBeforeFirst', { first: dateOfDay(first) }));
      }
      const { start, end } = times(day, zone);
      Object.assign(body, {
        meeting_type: 'recurrence',
        recurrence_type: pattern.frequency,
        recurrenceInterval: pattern.interval,
        recurrenceStartTime: start,
        recurrenceEndTime: end,
        schedule_start_time: start,
        schedule_end_time: end,
        recurrenceStartDay: zonedEpoch(day, '00:00', zone),
        // A late instant of the last day in the series' zone, as the apps send it.
        recurrenceEndDay: zonedEpoch(dateOfDay(lastDay), '23:59', zone),
        recurrenceDaysOfWeek: pattern.frequency === 'WEEKLY' ? pattern.daysOfWeek : [],
        recurrenceDaysOfMonth: pattern.frequency === 'MONTHLY' ? pattern.daysOfMonth : [],
        time_zone: zone,
      });
    } else {
      const { start, end } = times(day, zone);
      Object.assign(body, { schedule_start_time: start, schedule_end_time: end });
      if (mode === 'create') body.meeting_type = 'reservation';
    }

    if (rate.value) body.call_rate_type = rate.value;
    body.mute_upon_entry = mute.querySelector('input')!.checked ? 'ENABLE' : 'DISABLE';
    body.time_to_join = Number(timeToJoin.value);
    if (mode === 'occurrence') return body;

    if (passwordMode.value === 'none') body.meeting_password = '';
    if (passwordMode.value === 'set') {
      if (!/^[0-9]+$/.test(password.value)) return problem('meeting_password', t('form.passwordDigits'));
      body.meeting_password = password.value;
    }
    body.meeting_room_id = room.value;
    body.guest_dial_in = guests.querySelector('input')!.checked;
    body.watermark = watermark.querySelector('input')!.checked;
    body.lobby = lobby.value;
    body.invited_users = picker.ids;
    return body;
  }

  /** Start and end instants of `day` in the zone; an end at or before the start is on the next day. */
  function times(day: string, zone: string): { start: number; end: number } {
    const start = zonedEpoch(day, startTime.value, zone);
    let end = zonedEpoch(day, endTime.value, zone);
    if (end <= start) end = zonedEpoch(dateOfDay(dayNumber(day) + 1), endTime.value, zone);
    // Guard against a daylight-saving day making the meeting a day long.
    if (end - start >= DAY) end -= DAY;
    return { start, end };
  }
}
