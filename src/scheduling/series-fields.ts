import type { RecurrenceRule } from './recurrence-rule.ts';
import { localDate, nextDay, startOfDay } from './zoned-time.ts';

/**
 * A rule as the FRTC recurrence fields (§4.1, §3.2): what responses show and, read back as a request body, what an
 * edit-all starts from before the client's fields override it.
 */
export interface SeriesDescription {
  recurrence_type: string;
  recurrenceInterval: number;
  recurrenceStartTime: number;
  recurrenceEndTime: number;
  /** Local midnight of the first day, like the Android, macOS and Windows apps send it. */
  recurrenceStartDay: number;
  /** 23:59:59 local on the last day, like the macOS and Windows apps send it. */
  recurrenceEndDay: number;
  recurrenceDaysOfWeek: number[];
  recurrenceDaysOfMonth: number[];
  time_zone: string;
}

export function describeRule(rule: RecurrenceRule): SeriesDescription {
  return {
    recurrence_type: rule.frequency,
    recurrenceInterval: rule.interval,
    recurrenceStartTime: rule.firstStart,
    recurrenceEndTime: rule.firstStart + rule.duration,
    recurrenceStartDay: startOfDay(localDate(rule.firstStart, rule.timeZone), rule.timeZone),
    recurrenceEndDay: startOfDay(nextDay(rule.lastDay), rule.timeZone) - 1000,
    recurrenceDaysOfWeek: [...rule.daysOfWeek],
    recurrenceDaysOfMonth: [...rule.daysOfMonth],
    time_zone: rule.timeZone,
  };
}
