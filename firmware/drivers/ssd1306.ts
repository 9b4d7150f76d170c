/**
 * The SSD1306 128x64 OLED over I2C (0x3C). The frame (canvas.ts layout, the panel's own) is
 * drawn by the UI; flushDisplay sends only what changed since the last flush: per page, the
 * columns from the first to the last changed byte, through a column/page window (0x21/0x22)
 * in horizontal addressing mode. A countdown-bar tick costs a dozen bytes, not a kilobyte.
 */
import type { Bytes, Hal } from "../platform/hal.js";

export const SSD1306_ADDRESS = 0x3c;

/** Data bytes per I2C write (plus the 0x40 control byte): bounds the temporary array. */
const SSD1306_CHUNK = 64;

export interface Display {
  /** What the UI draws into (1024 bytes). */
  frame: Bytes;
  /** What the panel holds, as far as we know; meaningful only when `initialised`. */
  shadow: Bytes;
  on: boolean;
  /** I2C bytes written to the panel so far (control bytes, commands and data). */
  bytesSent: number;
  /** The shadow mirrors the panel's RAM (false until the first full flush after initDisplay). */
  initialised: boolean;
}

export function newDisplay(hal: Hal): Display {
  return { frame: hal.newBytes(1024), shadow: hal.newBytes(1024), on: false, bytesSent: 0, initialised: false };
}

/** Sends commands, given after their control byte 0x00; returns the bytes written. */
function sendCommands(hal: Hal, d: Display, commands: number[]): number {
  hal.i2cWrite(SSD1306_ADDRESS, commands);
  d.bytesSent = d.bytesSent + commands.length;
  return commands.length;
}

/**
 * Panel set-up: off, clock, multiplex 64, offset 0, start line 0, charge pump on, horizontal
 * addressing, segment remap, COM scan reversed, COM pins, contrast, pre-charge, VCOMH,
 * RAM display, not inverted, on. The panel's RAM is unknown afterwards: the next flush sends
 * the whole frame.
 */
export function initDisplay(hal: Hal, d: Display): void {
  sendCommands(hal, d, [
    0x00, 0xae, 0xd5, 0x80, 0xa8, 0x3f, 0xd3, 0x00, 0x40, 0x8d, 0x14, 0x20, 0x00, 0xa1, 0xc8,
    0xda, 0x12, 0x81, 0xcf, 0xd9, 0xf1, 0xdb, 0x40, 0xa4, 0xa6, 0xaf,
  ]);
  d.on = true;
  d.initialised = false;
}

/** Display on (0xAF) or asleep (0xAE, RAM kept). */
export function displayOn(hal: Hal, d: Display, on: boolean): void {
  sendCommands(hal, d, [0x00, on ? 0xaf : 0xae]);
  d.on = on;
}

/** Sends frame bytes [from, to) as data in chunks, copying them into the shadow. */
function sendData(hal: Hal, d: Display, from: number, to: number): number {
  let sent = 0;
  while (from < to) {
    const data = [0x40];
    let end = from + SSD1306_CHUNK;
    if (end > to) {
      end = to;
    }
    for (let i = from; i < end; i++) {
      data.push(d.frame[i]);
      d.shadow[i] = d.frame[i];
    }
    hal.i2cWrite(SSD1306_ADDRESS, data);
    sent = sent + data.length;
    from = end;
  }
  d.bytesSent = d.bytesSent + sent;
  return sent;
}

/**
 * Sends what changed in the frame since the last flush (everything on the first flush after
 * newDisplay/initDisplay). Returns the I2C bytes this flush wrote (0 when nothing changed).
 */
export function flushDisplay(hal: Hal, d: Display): number {
  if (!d.initialised) {
    d.initialised = true;
    return sendCommands(hal, d, [0x00, 0x21, 0, 127, 0x22, 0, 7]) + sendData(hal, d, 0, 1024);
  }
  let sent = 0;
  for (let page = 0; page < 8; page++) {
    const base = page << 7;
    let first = 0;
    while (first < 128 && d.frame[base + first] === d.shadow[base + first]) {
      first = first + 1;
    }
    if (first < 128) {
      let last = 127;
      while (d.frame[base + last] === d.shadow[base + last]) {
        last = last - 1;
      }
      sent = sent + sendCommands(hal, d, [0x00, 0x21, first, last, 0x22, page, page]);
      sent = sent + sendData(hal, d, base + first, base + last + 1);
    }
  }
  return sent;
}
