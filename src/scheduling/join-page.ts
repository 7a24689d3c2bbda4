/**
 * The page behind a meeting link (`/j/{key}`): self-contained HTML (no external assets) with the meeting's name,
 * time, number, a link to join in the browser app (`/app/`) and how to join with an FRTC app. Every value
 * from the database is HTML-escaped; the one inline script only reformats the UTC times into the reader's local time.
 */
import type { MeetingStatus } from './meeting-links.service.ts';

export interface JoinPageData {
  name: string;
  description: string;
  start: number;
  end: number;
  meetingNumber: string;
  hasPassword: boolean;
  /** The link is a series' group link; the times are the next occurrence's. */
  recurring: boolean;
  status: MeetingStatus;
  calendarUrl: string;
  /** host[:port] the apps must be configured with. */
  serverAddress: string;
  /** The browser app opened on this meeting: `/app/#key=<key>` (the key in the fragment never reaches a server log). */
  appUrl: string;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Inline style and script; the HTTP layer allows exactly these by hash in its Content-Security-Policy. */
export const JOIN_PAGE_STYLE =
  'body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f5f7;color:#1d2129}' +
  'main{max-width:36rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 1px 4px rgba(0,0,0,.12)}' +
  'h1{font-size:1.5rem;margin:0 0 .5rem;overflow-wrap:anywhere}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}' +
  '.when{font-size:1.05rem;margin:.25rem 0}.note{color:#5c6370}.status{font-weight:600}' +
  '.desc{white-space:pre-wrap;overflow-wrap:anywhere;color:#3a3f47}' +
  'dl{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem}dt{color:#5c6370}dd{margin:0;font-weight:600}' +
  '.number{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:1.2rem;letter-spacing:.05em}' +
  'a.button{display:inline-block;margin-top:1rem;padding:.6rem 1rem;border-radius:8px;background:#026ffe;color:#fff;text-decoration:none}' +
  'a.button.secondary{background:#e8eaed;color:#1d2129;margin-left:.5rem}';

// The end shows its date too when it falls on another day than the start in the reader's zone (a 24-hour instant
// meeting: "Tuesday, 10 March, 06:52 – Wednesday, 11 March, 06:52", not "06:52 – 06:52").
export const JOIN_PAGE_SCRIPT =
  '(function(){try{var f={weekday:"long",year:"numeric",month:"long",day:"numeric",hour:"2-digit",minute:"2-digit",timeZoneName:"short"};' +
  'var t={hour:"2-digit",minute:"2-digit",timeZoneName:"short"};' +
  'var s=document.querySelector("time[data-part=start]");var day=function(e){return new Date(Number(e.getAttribute("data-ms"))).toDateString();};' +
  'document.querySelectorAll("time[data-ms]").forEach(function(e){var d=new Date(Number(e.getAttribute("data-ms")));' +
  'var sameDay=e.getAttribute("data-part")==="end"&&s!==null&&day(e)===day(s);' +
  'e.textContent=d.toLocaleString(undefined,sameDay?t:f);});}catch(x){}})();';

const pad = (n: number) => String(n).padStart(2, '0');

const utcDay = (epochMs: number) => Math.floor(epochMs / 86_400_000);

/** '2025-03-10 08:00 UTC': the text shown when the script does not run. */
export function utcText(epochMs: number, withDate = true): string {
  const d = new Date(epochMs);
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
  return withDate ? `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${time}` : time;
}

const STATUS_TEXT: Record<MeetingStatus, string> = {
  NOT_STARTED: 'Scheduled',
  STARTED: 'Happening now',
  ENDED: 'This meeting has ended',
};

function page(title: string, body: string): string {
  return (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex, nofollow">' +
    `<title>${escapeHtml(title)}</title><style>${JOIN_PAGE_STYLE}</style></head>\n<body><main>\n${body}\n</main>` +
    `<script>${JOIN_PAGE_SCRIPT}</script></body></html>\n`
  );
}

export function joinPage(d: JoinPageData): string {
  // Without the script: the end's date only when it is another day than the start's (in UTC, as shown).
  const withDate = (ms: number, part: 'start' | 'end') => part === 'start' || utcDay(ms) !== utcDay(d.start);
  const time = (ms: number, part: 'start' | 'end') =>
    `<time datetime="${new Date(ms).toISOString()}" data-ms="${ms}" data-part="${part}">${escapeHtml(utcText(ms, withDate(ms, part)))}</time>`;
  const number = escapeHtml(d.meetingNumber);
  const lines = [
    `<h1>${escapeHtml(d.name)}</h1>`,
    `<p class="when">${time(d.start, 'start')} – ${time(d.end, 'end')}</p>`,
    d.recurring ? '<p class="note">A recurring meeting: the time shown is the next occurrence.</p>' : '',
    `<p class="status">${escapeHtml(STATUS_TEXT[d.status])}</p>`,
    d.description.trim() === '' ? '' : `<p class="desc">${escapeHtml(d.description)}</p>`,
    '<dl>',
    `<dt>Meeting number</dt><dd class="number">${number}</dd>`,
    `<dt>Password</dt><dd>${d.hasPassword ? 'Required (see your invitation)' : 'None'}</dd>`,
    `<dt>Server</dt><dd>${escapeHtml(d.serverAddress)}</dd>`,
    '</dl>',
    '<h2>How to join</h2>',
    `<p><a class="button" id="join-in-browser" href="${escapeHtml(d.appUrl)}">Join in the browser</a></p>`,
    '<p class="note">Or with an app:</p>',
    '<ol>',
    `<li>Open the FRTC / SQMeeting app and make sure its server address is <b>${escapeHtml(d.serverAddress)}</b>.</li>`,
    `<li>Choose “Join meeting” and enter the meeting number <b>${number}</b>${d.hasPassword ? ', then the password' : ''}.</li>`,
    '</ol>',
    `<a class="button secondary" href="${escapeHtml(d.calendarUrl)}" download>Download calendar invite</a>`,
  ];
  return page(`${d.name} · Convene`, lines.filter((l) => l !== '').join('\n'));
}

export function notFoundPage(): string {
  return page(
    'Meeting not found · Convene',
    '<h1>Meeting not found</h1>\n<p>This meeting link does not lead to a meeting (any more). The meeting may have been ' +
      'deleted, or the organiser may have replaced its link, for example by changing the password: ask the organiser ' +
      'for the current link. If you copied the link, check that you copied all of it.</p>',
  );
}
