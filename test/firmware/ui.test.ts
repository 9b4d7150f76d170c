/**
 * firmware/ui/: the frame layout, rectangles, the font, and the big digits read back off the
 * pixels with a decoder written here from the published geometry (codeLayout), not from the
 * drawing code.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FRAME_BYTES, HEIGHT, WIDTH, clearFrame, fillRect, setPixel } from "../../firmware/ui/canvas.js";
import { drawText, textWidth } from "../../firmware/ui/font.js";
import { codeLayout, drawCode } from "../../firmware/ui/digits.js";
import {
  BAR_TOP, CODE_TOP, drawCodeScreen, drawCountdownBar, drawHotpScreen, drawMessageScreen,
} from "../../firmware/ui/screens.js";

export const newFrame = (): number[] => new Array(FRAME_BYTES).fill(0);

/** Pixel (x, y) by the SSD1306 page layout. */
export function pixel(frame: ArrayLike<number>, x: number, y: number): boolean {
  return ((frame[Math.floor(y / 8) * 128 + x] >> (y % 8)) & 1) === 1;
}

/** The frame as rows of '#' and '.', for readable failures. */
export function picture(frame: ArrayLike<number>, top = 0, bottom = 64): string {
  const rows: string[] = [];
  for (let y = top; y < bottom; y++) {
    let row = "";
    for (let x = 0; x < 128; x++) row += pixel(frame, x, y) ? "#" : ".";
    rows.push(row);
  }
  return rows.join("\n");
}

/** Segments a-g as bit 0-6, independent of firmware's table. */
const SEGMENTS_OF: Record<string, string> = {
  "0": "abcdef", "1": "bc", "2": "abdeg", "3": "abcdg", "4": "bcfg",
  "5": "acdfg", "6": "acdefg", "7": "abc", "8": "abcdefg", "9": "abcdfg",
};

/** The runs of columns with a lit pixel in rows [top, top + h): one per digit cell. */
export function litRuns(frame: ArrayLike<number>, top: number, h = 28): Array<[number, number]> {
  const lit = (x: number) => Array.from({ length: h }, (_, dy) => pixel(frame, x, top + dy)).some(Boolean);
  const runs: Array<[number, number]> = [];
  for (let x = 0; x < 128; x++) {
    if (!lit(x)) continue;
    const start = x;
    while (x + 1 < 128 && lit(x + 1)) x++;
    runs.push([start, x]);
  }
  return runs;
}

/**
 * Reads a code of `n` digits off the frame: finds each digit's cell (a run of lit columns) and
 * samples the middle of each segment, with the published geometry (codeLayout). A cell as narrow
 * as a segment's thickness is a '1' when its bar runs the whole height.
 */
export function readCode(frame: ArrayLike<number>, n: number, top: number): string {
  const [w, h, , , , t] = codeLayout(n);
  const mid = Math.floor((h - t) / 2);
  const upper = Math.floor((t + mid) / 2); // middle of the upper vertical segments
  const lower = mid + Math.floor((h - mid) / 2) + 1;
  const runs = litRuns(frame, top, h);
  if (runs.length !== n) return "?".repeat(n);
  let text = "";
  for (const [x, end] of runs) {
    const centre = (dx: number, dy: number) => pixel(frame, dx, top + dy);
    if (end - x + 1 === t) {
      text += [0, upper, mid, lower, h - 1].every((dy) => centre(x + Math.floor(t / 2), dy)) ? "1" : "?";
      continue;
    }
    if (end - x + 1 !== w) {
      text += "?";
      continue;
    }
    const centreX = x + Math.floor(w / 2);
    const lit = {
      a: centre(centreX, Math.floor(t / 2)),
      b: centre(x + w - 1 - Math.floor(t / 2), upper),
      c: centre(x + w - 1 - Math.floor(t / 2), lower),
      d: centre(centreX, h - 1 - Math.floor(t / 2)),
      e: centre(x + Math.floor(t / 2), lower),
      f: centre(x + Math.floor(t / 2), upper),
      g: centre(centreX, mid + Math.floor(t / 2)),
    };
    const segs = Object.entries(lit).filter(([, on]) => on).map(([s]) => s).join("");
    const digit = Object.entries(SEGMENTS_OF).find(([, s]) => s === segs);
    text += digit === undefined || digit[0] === "1" ? "?" : digit[0];
  }
  return text;
}

describe("canvas", () => {
  it("has the SSD1306 page layout", () => {
    const frame = newFrame();
    setPixel(frame, 5, 0, true);
    setPixel(frame, 5, 9, true);
    setPixel(frame, 127, 63, true);
    expect(frame[5]).toBe(1);
    expect(frame[128 + 5]).toBe(2);
    expect(frame[1023]).toBe(0x80);
    setPixel(frame, 5, 9, false);
    expect(frame[128 + 5]).toBe(0);
    setPixel(frame, -1, 0, true);
    setPixel(frame, 128, 0, true);
    setPixel(frame, 0, 64, true);
    expect(frame.reduce((a, b) => a + b, 0)).toBe(1 + 0x80);
    expect([WIDTH, HEIGHT, FRAME_BYTES]).toEqual([128, 64, 1024]);
  });

  it("fillRect matches pixel-by-pixel drawing, clipped, on and off", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -20, max: 140 }), fc.integer({ min: -20, max: 80 }),
          fc.integer({ min: -3, max: 140 }), fc.integer({ min: -3, max: 80 }), fc.boolean()), { maxLength: 6 }),
        (rects) => {
          const frame = newFrame();
          const model = Array.from({ length: 64 }, () => new Array(128).fill(false));
          for (const [x, y, w, h, on] of rects) {
            fillRect(frame, x, y, w, h, on);
            for (let yy = Math.max(0, y); yy < Math.min(64, y + h); yy++) {
              for (let xx = Math.max(0, x); xx < Math.min(128, x + w); xx++) model[yy][xx] = on;
            }
          }
          const expected = model.map((row) => row.map((p) => (p ? "#" : ".")).join("")).join("\n");
          expect(picture(frame)).toBe(expected);
          expect(frame.every((b) => b >= 0 && b <= 255)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("clearFrame zeroes every byte", () => {
    const frame = new Array(FRAME_BYTES).fill(0xff);
    clearFrame(frame);
    expect(frame.every((b) => b === 0)).toBe(true);
  });
});

describe("font", () => {
  const glyph = (ch: string, y = 0) => {
    const frame = newFrame();
    drawText(frame, 0, y, ch, 1);
    return picture(frame, y, y + 7).split("\n").map((row) => row.slice(0, 5)).join("\n");
  };

  it("draws known glyphs, lowercase as uppercase, unknown characters as a box", () => {
    expect(glyph("A")).toBe([".###.", "#...#", "#...#", "#...#", "#####", "#...#", "#...#"].join("\n"));
    expect(glyph("7")).toBe(["#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."].join("\n"));
    expect(glyph("a")).toBe(glyph("A"));
    expect(glyph("z")).toBe(glyph("Z"));
    const box = ["#####", "#...#", "#...#", "#...#", "#...#", "#...#", "#####"].join("\n");
    for (const ch of ["@", "\u00e9", "~", "\n", "%", "\u2603", "*"]) expect(glyph(ch)).toBe(box);
    for (const ch of "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.:/!?'()#+,") expect(glyph(ch)).not.toBe(box);
    expect(glyph(" ")).toBe(["", "", "", "", "", "", ""].map(() => ".....").join("\n"));
  });

  it("draws the same glyphs at any row (bytes split across pages) and scales by whole pixels", () => {
    const text = "AZ09-.:/!?'()#+,";
    const reference = glyph(text);
    for (let y = 0; y < 58; y++) expect(glyph(text, y)).toBe(reference);
    const one = newFrame();
    const two = newFrame();
    drawText(one, 0, 0, "TOKEN 42", 1);
    drawText(two, 0, 0, "TOKEN 42", 2);
    for (let y = 0; y < 14; y++) {
      for (let x = 0; x < 128; x++) expect(pixel(two, x, y)).toBe(pixel(one, x >> 1, y >> 1));
    }
  });

  it("returns the width drawn and clips at the edges", () => {
    const frame = newFrame();
    expect(drawText(frame, 0, 0, "ABC", 1)).toBe(17);
    expect(textWidth("ABC", 2)).toBe(34);
    expect(textWidth("", 1)).toBe(0);
    expect(() => drawText(frame, 120, 60, "WWWW", 1)).not.toThrow();
    expect(() => drawText(frame, -7, -3, "WWWW", 2)).not.toThrow();
    expect(frame.length).toBe(FRAME_BYTES);
    expect(frame.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)).toBe(true);
  });
});

describe("digits", () => {
  it("lays 6 and 8 digits out inside the panel, about 15x28 for 6", () => {
    for (const n of [6, 7, 8]) {
      const [w, h, gap, groupGap, x0, t] = codeLayout(n);
      const width = n * w + (n - 2) * gap + groupGap;
      expect(x0).toBeGreaterThanOrEqual(0);
      expect(x0 + width).toBeLessThanOrEqual(128);
      expect(Math.abs(128 - width - 2 * x0)).toBeLessThanOrEqual(1);
      expect(groupGap).toBeGreaterThan(gap);
      expect(h).toBe(28);
      expect(t).toBeGreaterThanOrEqual(3);
    }
    expect(codeLayout(6).slice(0, 2)).toEqual([15, 28]);
  });

  it.each(["208221", "111111", "11111111", "21112111"])("%s: a '1' keeps the ordinary gap on both sides, so the groups still read as two", (code) => {
    const frame = newFrame();
    drawCode(frame, code, CODE_TOP);
    expect(readCode(frame, code.length, CODE_TOP), picture(frame, CODE_TOP, CODE_TOP + 28)).toBe(code);
    const [, , gap, groupGap, , t] = codeLayout(code.length);
    const runs = litRuns(frame, CODE_TOP);
    const blanks = runs.slice(1).map(([start], i) => start - runs[i]![1] - 1);
    expect(blanks).toEqual(blanks.map((_, i) => (i === code.length / 2 - 1 ? groupGap : gap)));
    // Each '1' is as wide as its bar, and the code is centred.
    runs.forEach(([a, b], i) => code[i] === "1" && expect(b - a + 1).toBe(t));
    expect(Math.abs(runs[0]![0] - (127 - runs.at(-1)![1]))).toBeLessThanOrEqual(1);
  });

  it.each(["012345", "678901", "999999", "01234567", "89012345", "1234567"])("reads back %s", (code) => {
    const frame = newFrame();
    drawCode(frame, code, CODE_TOP);
    expect(readCode(frame, code.length, CODE_TOP), picture(frame)).toBe(code);
  });

  it("reads back any 6- or 8-digit code and stays within its rows", () => {
    fc.assert(
      fc.property(fc.constantFrom(6, 8), fc.integer({ min: 0, max: 99999999 }), fc.integer({ min: 0, max: 36 }), (n, v, top) => {
        const code = String(v).padStart(8, "0").slice(8 - n);
        const frame = new Array(FRAME_BYTES).fill(0xff);
        drawCode(frame, code, top);
        expect(readCode(frame, n, top)).toBe(code);
        for (let x = 0; x < 128; x++) {
          if (top > 0) expect(pixel(frame, x, top - 1)).toBe(true); // rows outside untouched
          if (top + 28 < 64) expect(pixel(frame, x, top + 28)).toBe(true);
        }
        // The groups read as groups: every gap inside one is the ordinary gap, the one
        // between them the group gap, whatever the digits (a '1' included).
        const [, , gap, groupGap] = codeLayout(n);
        const runs = litRuns(frame, top);
        const blanks = runs.slice(1).map(([start], i) => start - runs[i]![1] - 1);
        expect(blanks).toEqual(blanks.map((_, i) => (i === n / 2 - 1 ? groupGap : gap)));
      }),
      { numRuns: 200 },
    );
  });
});

describe("screens", () => {
  const barWidth = (frame: number[]) => {
    let w = 0;
    while (w < 128 && pixel(frame, w, BAR_TOP + 2)) w++;
    return w;
  };

  it("draws label, code and a bar proportional to the time left", () => {
    const frame = newFrame();
    drawCodeScreen(frame, "GitHub", "287082", 17, 30);
    expect(readCode(frame, 6, CODE_TOP)).toBe("287082");
    expect(barWidth(frame)).toBe(Math.floor((128 * 17) / 30));
    const top = picture(frame, 0, 7);
    const label = newFrame();
    drawText(label, (128 - textWidth("GITHUB", 1)) >> 1, 0, "GITHUB", 1);
    expect(top).toBe(picture(label, 0, 7));
    for (const [left, period] of [[30, 30], [0, 30], [1, 30], [59, 60], [45, 30], [-3, 30], [1, 65535]]) {
      drawCountdownBar(frame, left, period);
      const clamped = Math.max(0, Math.min(left, period));
      expect(barWidth(frame)).toBe(Math.floor((128 * clamped) / period));
    }
  });

  it("redraws only the bar's page for a countdown tick", () => {
    const frame = newFrame();
    drawCodeScreen(frame, "Acme VPN", "12345678", 20, 30);
    expect(readCode(frame, 8, CODE_TOP)).toBe("12345678");
    const before = [...frame];
    drawCountdownBar(frame, 19, 30);
    const changed = frame.flatMap((b, i) => (b !== before[i] ? [i] : []));
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.every((i) => i >= 7 * 128)).toBe(true);
  });

  it("cuts a long label to the panel width and centres it", () => {
    const frame = newFrame();
    drawCodeScreen(frame, "A VERY LONG LABEL INDEED, REALLY", "000000", 30, 30);
    const cols = [...Array(128).keys()].filter((x) => [0, 1, 2, 3, 4, 5, 6].some((y) => pixel(frame, x, y)));
    expect(Math.min(...cols)).toBeLessThanOrEqual(2);
    expect(Math.max(...cols)).toBeGreaterThanOrEqual(124);
  });

  it("draws an HOTP code without a bar, with its counter", () => {
    const frame = newFrame();
    drawHotpScreen(frame, "Bank", "755224", 42);
    expect(readCode(frame, 6, CODE_TOP)).toBe("755224");
    const bottom = newFrame();
    drawText(bottom, (128 - textWidth("#42", 1)) >> 1, 57, "#42", 1);
    expect(picture(frame, 50, 64)).toBe(picture(bottom, 50, 64));
  });

  it("draws messages: a large title (small when too wide) and two lines", () => {
    const frame = newFrame();
    drawMessageScreen(frame, "CLOCK LOST", "RESYNC WITH", "TOKENSMITH");
    const expected = newFrame();
    drawText(expected, (128 - textWidth("CLOCK LOST", 2)) >> 1, 8, "CLOCK LOST", 2);
    drawText(expected, (128 - textWidth("RESYNC WITH", 1)) >> 1, 34, "RESYNC WITH", 1);
    drawText(expected, (128 - textWidth("TOKENSMITH", 1)) >> 1, 46, "TOKENSMITH", 1);
    expect(picture(frame)).toBe(picture(expected));
    drawMessageScreen(frame, "NEEDS SETUP", "", "");
    expect(picture(frame, 0, 8)).toBe(picture(newFrame(), 0, 8));
    expect(picture(frame, 8, 15)).not.toBe(picture(newFrame(), 8, 15));
    expect(picture(frame, 15, 64)).toBe(picture(newFrame(), 15, 64));
  });
});
