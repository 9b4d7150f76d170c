/**
 * Reads the big code off the simulated display's pixels, as a person would: finds the tall
 * digit cells and decodes each from its seven segments. Written independently of the
 * firmware's drawing code (it knows only what a seven-segment digit looks like), so a
 * drawing bug shows up as a wrong or missing code.
 */
import type { Ssd1306 } from "../../hardware/sim/devices/ssd1306.js";

/** Segments a..g (bit 0..6) of the digits 0-9 on any seven-segment display. */
const SEVEN_SEGMENT: Record<number, string> = {
  0b0111111: "0", 0b0000110: "1", 0b1011011: "2", 0b1001111: "3", 0b1100110: "4",
  0b1101101: "5", 0b1111101: "6", 0b0000111: "7", 0b1111111: "8", 0b1101111: "9",
};

/** Digits are tall; text lines (7 or 14 px) are not. */
const MIN_DIGIT_HEIGHT = 20;

export function pixelRows(display: Ssd1306): boolean[][] {
  return Array.from({ length: 64 }, (_, y) => Array.from({ length: 128 }, (_, x) => display.pixel(x, y)));
}

/** The code on the display, or null when there is none (display off, a message, garbage). */
export function readCode(display: Ssd1306): string | null {
  if (!display.isOn()) return null;
  const px = pixelRows(display);
  const top = 10;
  const bottom = 54;
  const litColumn = (x: number) => px.slice(top, bottom).some((row) => row[x]);
  const runs: Array<[number, number]> = [];
  for (let x = 0; x < 128; x++) {
    if (!litColumn(x)) continue;
    const start = x;
    while (x + 1 < 128 && litColumn(x + 1)) x++;
    runs.push([start, x]);
  }
  if (runs.length < 6 || runs.length > 8) return null;
  const extent = (x0: number, x1: number): [number, number] => {
    let y0 = 64;
    let y1 = -1;
    for (let y = top; y < bottom; y++) for (let x = x0; x <= x1; x++) if (px[y][x]) (y0 = Math.min(y0, y)), (y1 = Math.max(y1, y));
    return [y0, y1];
  };
  const width = Math.max(...runs.map(([a, b]) => b - a + 1));
  let code = "";
  for (const [x0, x1] of runs) {
    const [y0, y1] = extent(x0, x1);
    if (y1 - y0 + 1 < MIN_DIGIT_HEIGHT) return null;
    if (x1 - x0 + 1 < width / 2) {
      code += "1"; // only the right-hand segments are lit
      continue;
    }
    const xc = (x0 + x1) >> 1;
    const ym = (y0 + y1) >> 1;
    const q1 = y0 + ((y1 - y0) >> 2);
    const q3 = y1 - ((y1 - y0) >> 2);
    const on = (x: number, y: number) => (px[y][x] ? 1 : 0);
    const mask =
      on(xc, y0 + 1) | (on(x1 - 1, q1) << 1) | (on(x1 - 1, q3) << 2) | (on(xc, y1 - 1) << 3) | (on(x0 + 1, q3) << 4) | (on(x0 + 1, q1) << 5) | (on(xc, ym) << 6);
    const digit = SEVEN_SEGMENT[mask];
    if (digit === undefined) return null;
    code += digit;
  }
  return code;
}

/** Number of lit pixels in rows [y0, y1): the countdown bar's length, for example. */
export function litPixels(display: Ssd1306, y0: number, y1: number): number {
  let count = 0;
  for (let y = y0; y < y1; y++) for (let x = 0; x < 128; x++) if (display.pixel(x, y)) count++;
  return count;
}
