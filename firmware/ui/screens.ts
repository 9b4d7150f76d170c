/**
 * The token's screens, drawn into a frame (canvas.ts). Layout of the code screen:
 *   rows 0-6    the profile label, small, centred
 *   rows 18-45  the code in seven-segment digits (digits.ts)
 *   rows 58-63  the countdown bar (TOTP), all in page 7: a tick changes a few bytes of one page
 */
import type { Bytes } from "../platform/hal.js";
import { WIDTH, clearFrame, fillRect } from "./canvas.js";
import { drawCode } from "./digits.js";
import { drawText, textWidth } from "./font.js";

export const CODE_TOP = 18;
export const BAR_TOP = 58;
export const BAR_HEIGHT = 6;

/** Draws `text` centred on row y at `scale`, cut to fit the width. */
export function drawCentredText(frame: Bytes, text: string, y: number, scale: number): void {
  while (textWidth(text, scale) > WIDTH) {
    text = text.substring(0, text.length - 1);
  }
  drawText(frame, (WIDTH - textWidth(text, scale)) >>> 1, y, text, scale);
}

/**
 * Redraws only the bar rows: a bar from the left, floor(128 * secondsLeft / period) pixels
 * wide (secondsLeft clamped to 0..period; period 1..65535).
 */
export function drawCountdownBar(frame: Bytes, secondsLeft: number, period: number): void {
  if (secondsLeft > period) {
    secondsLeft = period;
  }
  if (secondsLeft < 0) {
    secondsLeft = 0;
  }
  // The largest width with width * period <= secondsLeft * 128, found bit by bit (no `/`).
  const target = secondsLeft * WIDTH;
  let width = 0;
  for (let bit = 128; bit >= 1; bit = bit >>> 1) {
    if ((width + bit) * period <= target) {
      width = width + bit;
    }
  }
  fillRect(frame, 0, BAR_TOP, WIDTH, BAR_HEIGHT, false);
  fillRect(frame, 0, BAR_TOP, width, BAR_HEIGHT, true);
}

/** Label, code and (when period > 0) the countdown bar, on a cleared frame. */
export function drawCodeScreen(frame: Bytes, label: string, code: string, secondsLeft: number, period: number): void {
  clearFrame(frame);
  drawCentredText(frame, label, 0, 1);
  drawCode(frame, code, CODE_TOP);
  if (period > 0) {
    drawCountdownBar(frame, secondsLeft, period);
  }
}

/** An HOTP code: label, code, and the counter it was made with ("#42") where the bar would be. */
export function drawHotpScreen(frame: Bytes, label: string, code: string, counter: number): void {
  drawCodeScreen(frame, label, code, 0, 0);
  drawCentredText(frame, "#" + String(counter), 57, 1);
}

/**
 * A message: the title large (scale 2, or 1 when it would not fit) and two small lines, e.g.
 * ("CLOCK LOST", "RESYNC WITH", "TOKENSMITH"). Empty lines are left blank.
 */
export function drawMessageScreen(frame: Bytes, title: string, line1: string, line2: string): void {
  clearFrame(frame);
  drawCentredText(frame, title, 8, textWidth(title, 2) <= WIDTH ? 2 : 1);
  drawCentredText(frame, line1, 34, 1);
  drawCentredText(frame, line2, 46, 1);
}
