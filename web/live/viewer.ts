/**
 * The viewer page of a live stream (`/live/{key}`): asks for the live passcode, gets a grant for this stream (an
 * HttpOnly cookie the server sets; the passcode goes nowhere else), then plays the HLS playlist with the browser's own
 * HLS (Safari) or hls.js over Media Source Extensions, and renews the grant while it plays.
 */
import Hls from 'hls.js';

const base = location.pathname.replace(/\/+$/, '');
const form = document.getElementById('passcode-form') as HTMLFormElement;
const input = document.getElementById('passcode') as HTMLInputElement;
const status = document.getElementById('status') as HTMLParagraphElement;
const player = document.getElementById('player') as HTMLVideoElement;

interface GrantAnswer {
  expires_at?: number;
  error?: string;
}

async function grant(passcode?: string): Promise<GrantAnswer & { ok: boolean }> {
  const res = await fetch(`${base}/grant`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(passcode === undefined ? {} : { passcode }),
    credentials: 'same-origin',
  });
  const body = (await res.json().catch(() => ({}))) as GrantAnswer;
  return { ok: res.ok, ...body };
}

/** Renews the grant a while before it expires, as long as the page is open. */
function keepGranted(expiresAt: number): void {
  const wait = Math.max(10_000, (expiresAt - Date.now()) / 2);
  setTimeout(async () => {
    const r = await grant().catch(() => ({ ok: false, expires_at: 0 }));
    if (r.ok && r.expires_at) keepGranted(r.expires_at);
    else status.textContent = 'The access to this stream has expired; enter the passcode again.';
  }, wait);
}

function play(): void {
  const source = `${base}/index.m3u8`;
  player.hidden = false;
  form.hidden = true;
  status.textContent = 'Connecting…';
  player.addEventListener('playing', () => (status.textContent = 'Live'), { once: true });
  if (Hls.isSupported()) {
    // Short segments, close to the live edge: a few seconds behind the meeting. No worker (the page's policy allows none).
    const hls = new Hls({ enableWorker: false, liveSyncDurationCount: 2, liveMaxLatencyDurationCount: 5, manifestLoadingMaxRetry: 30, manifestLoadingRetryDelay: 1000 });
    hls.loadSource(source);
    hls.attachMedia(player);
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (data.fatal) status.textContent = `The stream stopped (${data.details}); reload the page to try again.`;
    });
  } else if (player.canPlayType('application/vnd.apple.mpegurl')) {
    player.src = source;
  } else {
    status.textContent = 'This browser cannot play live streams (HLS).';
    return;
  }
  void player.play().catch(() => undefined);
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  status.textContent = 'Checking…';
  const r = await grant(input.value.trim()).catch(() => ({ ok: false, error: 'the server cannot be reached' }) as GrantAnswer & { ok: boolean });
  if (!r.ok || !r.expires_at) {
    status.textContent = r.error ?? 'Wrong passcode.';
    input.select();
    return;
  }
  keepGranted(r.expires_at);
  play();
});

// A viewer who reloads while the grant lasts goes straight to the stream.
void grant().then((r) => {
  if (r.ok && r.expires_at) {
    keepGranted(r.expires_at);
    play();
  }
}, () => undefined);
