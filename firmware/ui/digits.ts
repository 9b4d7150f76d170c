/**
 * The code in large seven-segment digits, drawn with fillRect (no bitmaps): readable at arm's
 * length on a 128x64 panel. 6 digits as "123 456", 8 as "1234 5678" (7 as "123 4567").
 *
 * Segments of a digit cell w x h at (x, y), thickness t, m = (h - t) >>> 1:
 *   a top    (x, y, w, t)              b upper right (x + w - t, y, t, m + t)
 *   g middle (x, y + m, w, t)          c lower right (x + w - t, y + m, t, h - m)
 *   d bottom (x, y + h - t, w, t)      f upper left  (x, y, t, m + t)
 *                                       e lower left  (x, y + m, t, h - m)
 */
import type { Bytes } from "../platform/hal.js";
import { WIDTH, fillRect } from "./canvas.js";

/** Segments lit for 0-9, bit 0 = a .. bit 6 = g (0x3f, 0x06, 0x5b, ...). */
const DIGIT_SEGMENTS = "?\x06[Ofm}\x07\x7fo";

/** Height of the digits, the same for every length. */
export const DIGIT_HEIGHT = 28;

/**
 * Geometry for a code of `digitCount` digits: [digitWidth, digitHeight, gap, groupGap, x0,
 * thickness]. In a code without '1's, digit i starts at x0 + i * (digitWidth + gap), plus
 * (groupGap - gap) for the second group (digits from digitCount >>> 1 on); a '1' is only
 * `thickness` wide, and drawCode centres the narrower code.
 */
export function codeLayout(digitCount: number): number[] {
  let w = 15;
  let gap = 3;
  let groupGap = 10;
  if (digitCount > 6) {
    w = 12;
    gap = 2;
    groupGap = 7;
  }
  const total = digitCount * (w + gap) - gap - gap + groupGap;
  return [w, DIGIT_HEIGHT, gap, groupGap, (WIDTH - total) >>> 1, 3];
}

/** Draws one digit's segments (mask bits 0..6 = a..g) in a w x h cell at (x, y). */
function drawSegments(frame: Bytes, x: number, y: number, w: number, h: number, t: number, mask: number): void {
  const m = (h - t) >>> 1;
  const right = x + w - t;
  if ((mask & 1) !== 0) {
    fillRect(frame, x, y, w, t, true);
  }
  if ((mask & 2) !== 0) {
    fillRect(frame, right, y, t, m + t, true);
  }
  if ((mask & 4) !== 0) {
    fillRect(frame, right, y + m, t, h - m, true);
  }
  if ((mask & 8) !== 0) {
    fillRect(frame, x, y + h - t, w, t, true);
  }
  if ((mask & 16) !== 0) {
    fillRect(frame, x, y + m, t, h - m, true);
  }
  if ((mask & 32) !== 0) {
    fillRect(frame, x, y, t, m + t, true);
  }
  if ((mask & 64) !== 0) {
    fillRect(frame, x, y + m, w, t, true);
  }
}

/** Width of a character's cell: a '1' lights only its right-hand bars, so its cell is as narrow as they are. */
function cellWidth(code: string, i: number, w: number, t: number): number {
  return code.charCodeAt(i) === 49 ? t : w;
}

/**
 * Draws `code` centred horizontally with its top at row y, clearing the rows it occupies
 * first. Digits 0-9; '-' draws the middle bar; anything else leaves its cell blank. A '1' gets a
 * cell as narrow as its bars, so that the ordinary gap is on either side of it: with full cells
 * "208 221" would read "208 22 1", the 1's empty left part looking like the group gap.
 */
export function drawCode(frame: Bytes, code: string, y: number): void {
  const n = code.length;
  const layout = codeLayout(n);
  const w = layout[0];
  const h = layout[1];
  const gap = layout[2];
  const t = layout[5];
  const half = n >>> 1;
  let total = layout[3] - gap - gap;
  for (let i = 0; i < n; i++) {
    total = total + cellWidth(code, i, w, t) + gap;
  }
  let x = (WIDTH - total) >>> 1;
  fillRect(frame, 0, y, WIDTH, h, false);
  for (let i = 0; i < n; i++) {
    if (i === half) {
      x = x + layout[3] - gap;
    }
    const c = code.charCodeAt(i);
    let mask = 0;
    if (c >= 48 && c <= 57) {
      mask = DIGIT_SEGMENTS.charCodeAt(c - 48);
    } else if (c === 45) {
      mask = 64;
    }
    const cw = cellWidth(code, i, w, t);
    drawSegments(frame, x, y, cw, h, t, mask);
    x = x + cw + gap;
  }
}
