/**
 * A 5x7 font for labels and messages: A-Z (lowercase drawn as uppercase), 0-9, space and
 * - . : / ! ? ' ( ) # + , . Every other character draws as a box.
 *
 * One string literal, 5 column bytes per glyph (bit 0 = top row), for ASCII 32 (' ') to 90
 * ('Z') in order; the slots of characters outside the set (" $ % & * ; < = > @) hold the box.
 * A string costs the interpreter a few variables, an array of 295 numbers would cost 295.
 * Each byte is stored XOR GLYPH_KEY, a value no column has: the string then holds no NUL
 * (TypeScriptToLua prints NUL as "\0", and "\0" before a digit reads as another byte in Lua)
 * and mostly printable characters.
 */
import type { Bytes } from "../platform/hal.js";
import { fillRect } from "./canvas.js";

const GLYPHS =
  "(((((((w((WiiiW<W<W<WiiiWWiiiWWiiiW(-+((" + //  !"#$%&'
  "(4\x0ai((i\x0a4(WiiiW  \x16  (x\x18((     (HH((\x088 ,*" + // ()*+,-./
  "\x16yam\x16(jWh(jIyan\x09imc\x190<:W8\x0fmmm\x11\x14baa\x18)Y!-+" + // 01234567
  "\x1eaaa\x1e.aa\x016(\x1e\x1e((WiiiWWiiiWWiiiWWiiiW*)y!." + // 89:;<=>?
  "WiiiWV999VWaaa\x1e\x16iii\x0aWii\x0a4WaaaiW!!))\x16iiy\x1a" + // @ABCDEFG
  "W   W(iWi(\x08hi\x17)W <\x0aiWhhhhW*,*WW, 8W\x16iii\x16" + // HIJKLMNO
  "W!!!.\x16iy\x09vW!1\x01nnaaa\x19))W))\x17hhh\x177\x08h\x087W\x080\x08W" + // PQRSTUVW
  "K< <K+,P,+Iyamk"; // XYZ

const GLYPH_KEY = 0x28;

/** The box glyph's slot: '"' (34) is not in the set. */
const BOX_CODE = 34;

/** Width in pixels of `text` drawn at `scale` (6 * scale per character, no trailing gap). */
export function textWidth(text: string, scale: number): number {
  if (text.length === 0) {
    return 0;
  }
  return (text.length * 6 - 1) * scale;
}

/**
 * Draws `text` with its top-left corner at (x, y), `scale` pixels per font pixel, setting
 * pixels only (the background is left alone; clear it first). Clipped to the frame.
 * Returns the width drawn (textWidth).
 */
export function drawText(frame: Bytes, x: number, y: number, text: string, scale: number): number {
  const shift = y & 7;
  const page = (y >>> 3) << 7;
  for (let n = 0; n < text.length; n++) {
    let code = text.charCodeAt(n);
    if (code >= 97 && code <= 122) {
      code = code - 32;
    }
    if (code < 32 || code > 90) {
      code = BOX_CODE;
    }
    const glyph = (code - 32) * 5;
    for (let c = 0; c < 5; c++) {
      const column = GLYPHS.charCodeAt(glyph + c) ^ GLYPH_KEY;
      const cx = x + (n * 6 + c) * scale;
      if (scale === 1 && y >= 0) {
        // Fast path: OR the shifted column into the one or two page bytes it spans.
        if (cx >= 0 && cx < 128 && column !== 0) {
          if (page < 1024) {
            frame[page + cx] = frame[page + cx] | ((column << shift) & 255);
          }
          if (shift !== 0 && page < 896) {
            frame[page + 128 + cx] = frame[page + 128 + cx] | (column >>> (8 - shift));
          }
        }
      } else {
        for (let r = 0; r < 7; r++) {
          if (((column >>> r) & 1) !== 0) {
            fillRect(frame, cx, y + r * scale, scale, scale, true);
          }
        }
      }
    }
  }
  return textWidth(text, scale);
}
