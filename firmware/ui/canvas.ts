/**
 * The 1-bit frame buffer in the SSD1306's own layout, so it goes to the panel unchanged:
 * 8 pages of 128 column bytes, byte index = page * 128 + x, pixel (x, y) in bit (y & 7) of
 * page (y >>> 3), bit 0 at the top. The frame is a Bytes of FRAME_BYTES from hal.newBytes.
 */
import type { Bytes } from "../platform/hal.js";

export const WIDTH = 128;
export const HEIGHT = 64;
export const FRAME_BYTES = 1024;

export function clearFrame(frame: Bytes): void {
  for (let i = 0; i < FRAME_BYTES; i++) {
    frame[i] = 0;
  }
}

/** Sets (on) or clears one pixel; pixels outside the frame are ignored. */
export function setPixel(frame: Bytes, x: number, y: number, on: boolean): void {
  if (x >= 0 && x < WIDTH && y >= 0 && y < HEIGHT) {
    const i = ((y >>> 3) << 7) + x;
    const bit = 1 << (y & 7);
    frame[i] = on ? frame[i] | bit : frame[i] & (255 ^ bit);
  }
}

/** Sets or clears a w x h rectangle at (x, y), clipped to the frame; a page-byte at a time. */
export function fillRect(frame: Bytes, x: number, y: number, w: number, h: number, on: boolean): void {
  let right = x + w;
  const bottom = y + h;
  if (x < 0) {
    x = 0;
  }
  if (right > WIDTH) {
    right = WIDTH;
  }
  if (y < 0) {
    y = 0;
  }
  while (y < bottom && y < HEIGHT) {
    const page = y >>> 3;
    let end = (page << 3) + 8;
    if (end > bottom) {
      end = bottom;
    }
    // Bits (y & 7) .. (end - 1) & 7 of this page.
    const mask = (0xff << (y & 7)) & (0xff >>> ((page << 3) + 8 - end));
    const keep = 255 ^ mask;
    const last = (page << 7) + right;
    for (let i = (page << 7) + x; i < last; i++) {
      frame[i] = on ? frame[i] | mask : frame[i] & keep;
    }
    y = end;
  }
}
