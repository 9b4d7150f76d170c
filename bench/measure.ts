/** Tiny timing helpers for benchmarks: figures are printed, never asserted. */
export interface Rate {
  perSecond: number;
  microsecondsEach: number;
}

/** Runs `fn` repeatedly for about `milliseconds` (after a warm-up) and reports its rate. */
export function rate(fn: () => unknown, milliseconds = 1000): Rate {
  const warmUntil = performance.now() + milliseconds / 5;
  while (performance.now() < warmUntil) fn();
  let count = 0;
  const start = performance.now();
  let now = start;
  while (now - start < milliseconds) {
    for (let i = 0; i < 50; i++) fn();
    count += 50;
    now = performance.now();
  }
  const seconds = (now - start) / 1000;
  return { perSecond: count / seconds, microsecondsEach: (seconds * 1e6) / count };
}

export function row(label: string, value: string): void {
  console.log(`  ${label.padEnd(58)} ${value}`);
}

export const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
