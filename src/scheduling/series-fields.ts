import type { RecurrenceFields, RecurrenceRule } from './recurrence-rule.ts';
import { nextDay, localDate, startOfDay } from './zoned-time.ts';

/** The FRTC recurrence fields (§4.1, §4.3) that describe a rule, as clients read them back. */
export interface SeriesDescription {
  recurrenceType: string;
  recurrenceInterval: number;
  recurrenceStartTime: number;
  recurrenceEndTime: number;
  /** Local midnight of the first day, like the Android, macOS and Windows apps send it. */
  recurrenceStartDay: number;
  /** 23:59:59 local on the last day, like the macOS and Windows apps send it. */
  recurrenceEndDay: number;
  recurrenceDaysOfWeek: number[];
  recurrenceDaysOfMonth: number[];
  timeZone: string;
}

export function describeRule(rule: RecurrenceRule): SeriesDescription {
  return {
    recurrenceType: rule.frequency,
    recurrenceInterval: rule.interval,
    recurrenceStartTime: rule.firstStart,
    recurrenceEndTime: rule.firstStart + rule.duration,
    recurrenceStartDay: startOfDay(localDate(rule.firstStart, rule.timeZone), rule.timeZone),
    recurrenceEndDay: startOfDay(nextDay(rule.lastDay), rule.timeZone) - 1000,
    recurrenceDaysOfWeek: [...rule.daysOfWeek],
    recurrenceDaysOfMonth: [...rule.daysOfMonth],
    timeZone: rule.timeZone,
  };
}

/** The rule as the fields a client would send, so an edit-all body can override just some of them. */
export function recurrenceFieldsOf(rule: RecurrenceRule): RecurrenceFields {
  const d = describeRule(rule);
  return {
    recurrence_type: d.recurrenceType,
    recurrenceInterval: d.recurrenceInterval,
    recurrenceStartTime: d.recurrenceStartTime,
    recurrenceEndTime: d.recurrenceEndTime,
    recurrenceStartDay: d.recurrenceStartDay,
    recurrenceEndDay: d.recurrenceEndDay,
    recurrenceDaysOfWeek: d.recurrenceDaysOfWeek,
    recurrenceDaysOfMonth: d.recurrenceDaysOfMonth,
    time_zone: d.timeZone,
  };
}
