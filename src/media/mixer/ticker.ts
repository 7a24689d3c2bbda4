/**
 * One timer for every mixer of the worker (recorders, plain RTP legs): mixers need a 20 ms pace, and one 10 ms interval
 * serves them all rather than a timer each. The interval runs only while something is registered.
 */
export const ticker = (() => {
  const runs = new Set<(now: number) => void>();
  let timer: ReturnType<typeof setInterval> | undefined;
  return {
    /** Runs `run` every 10 ms from now on; returns the function that stops it. */
    add(run: (now: number) => void): () => void {
      runs.add(run);
      timer ??= setInterval(() => {
        const now = Date.now();
        for (const r of runs) r(now);
      }, 10);
      return () => {
        runs.delete(run);
        if (runs.size === 0 && timer) {
          clearInterval(timer);
          timer = undefined;
        }
      };
    },
  };
})();
