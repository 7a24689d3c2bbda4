import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/** Where a function lives, coarsely: an npm package, our source, Node internals, or a V8 pseudo-frame. */
function area(url: string, fn: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.includes('/src/') || url.includes('/contract/')) return 'convene src';
  if (url.startsWith('node:')) return 'node:internal';
  if (url === '') return fn === '' ? '(native)' : fn;
  return url.replace(/^.*\//, '');
}

/**
 * Top self-time functions and areas of a `--cpu-prof` profile, as text lines (shares of all samples). With `window`
 * (µs on the monotonic clock, which `process.hrtime` and V8's profile timestamps share on Linux), only the samples
 * taken in it count, and idle samples are left out: shares of the busy time then.
 */
export function summariseProfile(file: string, top = 15, window?: { from: number; to: number }): string[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; startTime: number; samples: number[]; timeDeltas: number[] };
  if (window) {
    // Hit counts from the samples in the window (the nodes' hitCount covers the whole profile).
    const hitsOf = new Map<number, number>();
    let t = profile.startTime;
    profile.samples.forEach((id, i) => {
      t += profile.timeDeltas[i] ?? 0;
      if (t >= window.from && t < window.to) hitsOf.set(id, (hitsOf.get(id) ?? 0) + 1);
    });
    for (const node of profile.nodes) node.hitCount = node.callFrame.functionName === '(idle)' ? 0 : (hitsOf.get(node.id) ?? 0);
  }
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url === '' ? '' : ` ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(src|contract|bench)\//, '$1/')}:${lineNumber + 1}`;
    const key = `${functionName || '(anonymous)'}${where}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
    const a = area(url, functionName);
    byArea.set(a, (byArea.get(a) ?? 0) + hits);
    total += hits;
  }
  const rows = (m: Map<string, number>) =>
    [...m].sort((x, y) => y[1] - x[1]).slice(0, top).map(([k, v]) => `  ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
  return ['self time by area:', ...rows(byArea), 'self time by function:', ...rows(byFunction)];
}
