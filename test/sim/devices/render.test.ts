import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import { afterAll, describe, expect, it } from "vitest";
import { I2cBus } from "../../../hardware/sim/devices/i2c-bus.js";
import { Ssd1306 } from "../../../hardware/sim/devices/ssd1306.js";
import { renderToPng, writePng } from "../../../hardware/sim/render/png.js";
import { renderToTerminal } from "../../../hardware/sim/render/terminal.js";

const INIT = [0xae, 0x8d, 0x14, 0x20, 0x00, 0xa1, 0xc8, 0xda, 0x12, 0xaf];
const dir = mkdtempSync(join(tmpdir(), "render-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A display showing only pixels (0,0), (5,1) and (127,63). */
function sample(): Ssd1306 {
  const display = new Ssd1306({ powerOnRam: "zero" });
  const bus = new I2cBus();
  bus.attach(display);
  bus.writeTo(0x3c, Uint8Array.of(0x00, ...INIT, 0x21, 0, 127, 0x22, 0, 7));
  const frame = new Uint8Array(1024);
  frame[0] = 0x01; // (0,0)
  frame[5] = 0x02; // (5,1)
  frame[7 * 128 + 127] = 0x80; // (127,63)
  bus.writeTo(0x3c, Uint8Array.of(0x40, ...frame));
  return display;
}

const brightness = (png: PNG, x: number, y: number) => {
  const i = (y * png.width + x) * 4;
  return (png.data[i] + png.data[i + 1] + png.data[i + 2]) / 3;
};

/**
 * The quarters a block character fills, from its Unicode name (U+2580 block elements): bit 0
 * upper left, 1 upper right, 2 lower left, 3 lower right.
 */
function filledQuarters(block: string): number {
  const UL = 1, UR = 2, LL = 4, LR = 8;
  const byCodePoint: Record<number, number> = {
    0x20: 0, // SPACE
    0x2580: UL | UR, // UPPER HALF BLOCK
    0x2584: LL | LR, // LOWER HALF BLOCK
    0x2588: UL | UR | LL | LR, // FULL BLOCK
    0x258c: UL | LL, // LEFT HALF BLOCK
    0x2590: UR | LR, // RIGHT HALF BLOCK
    0x2596: LL, // QUADRANT LOWER LEFT
    0x2597: LR, // QUADRANT LOWER RIGHT
    0x2598: UL, // QUADRANT UPPER LEFT
    0x2599: UL | LL | LR, // QUADRANT UPPER LEFT AND LOWER LEFT AND LOWER RIGHT
    0x259a: UL | LR, // QUADRANT UPPER LEFT AND LOWER RIGHT
    0x259b: UL | UR | LL, // QUADRANT UPPER LEFT AND UPPER RIGHT AND LOWER LEFT
    0x259c: UL | UR | LR, // QUADRANT UPPER LEFT AND UPPER RIGHT AND LOWER RIGHT
    0x259d: UR, // QUADRANT UPPER RIGHT
    0x259e: UR | LL, // QUADRANT UPPER RIGHT AND LOWER LEFT
    0x259f: UR | LL | LR, // QUADRANT UPPER RIGHT AND LOWER LEFT AND LOWER RIGHT
  };
  return byCodePoint[block.codePointAt(0)!] ?? -1;
}

describe("renderers", () => {
  it("PNG: right size, lit pixels bright, the rest dark blue-black", () => {
    const png = PNG.sync.read(renderToPng(sample(), 4));
    expect([png.width, png.height]).toEqual([512, 256]);
    expect(brightness(png, 1, 1)).toBeGreaterThan(230); // inside pixel (0,0)
    expect(brightness(png, 5 * 4 + 3, 1 * 4 + 3)).toBeGreaterThan(230);
    expect(brightness(png, 511, 255)).toBeGreaterThan(230);
    expect(brightness(png, 4 * 4 + 1, 1)).toBeLessThan(20); // pixel (4,0)
    const i = (100 * png.width + 100) * 4;
    expect(png.data[i + 2]).toBeGreaterThan(png.data[i]); // bluish black
    expect(PNG.sync.read(renderToPng(sample(), 1)).width).toBe(128);
  });

  it("PNG: a display that is off is all dark; writePng writes the file", () => {
    const display = sample();
    const file = join(dir, "off.png");
    const bus = new I2cBus();
    bus.attach(display);
    bus.writeTo(0x3c, Uint8Array.of(0x00, 0xae));
    writePng(file, display, 2);
    const png = PNG.sync.read(readFileSync(file));
    expect([png.width, png.height]).toEqual([256, 128]);
    let max = 0;
    for (let y = 0; y < png.height; y++) for (let x = 0; x < png.width; x++) max = Math.max(max, brightness(png, x, y));
    expect(max).toBeLessThan(20);
  });

  it("terminal: 32 lines of 64 quadrant blocks inside a frame (66 columns: an 80-column terminal holds it), every pixel kept", () => {
    const lines = renderToTerminal(sample()).split("\n");
    expect(lines).toHaveLength(34);
    expect(lines[0]).toBe("┌" + "─".repeat(64) + "┐");
    expect(lines[33]).toBe("└" + "─".repeat(64) + "┘");
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(80);
    for (const line of lines.slice(1, 33)) {
      expect([...line]).toHaveLength(66);
      expect(line.startsWith("│") && line.endsWith("│")).toBe(true);
    }
    expect([...lines[1]][1]).toBe("▘"); // (0,0): top left of the first cell
    expect([...lines[1]][3]).toBe("▗"); // (5,1): bottom right of the cell of x 4-5
    expect([...lines[32]][64]).toBe("▗"); // (127,63)
    expect([...lines[1]][2]).toBe(" ");
  });

  it("terminal: each of the 16 two-by-two patterns has its own block, and reads back to its pixels", () => {
    const blocks = new Set<string>();
    for (let pattern = 0; pattern < 16; pattern++) {
      const display = { width: 2, height: 2, isOn: () => true, pixel: (x: number, y: number) => ((pattern >> (y * 2 + x)) & 1) === 1 };
      const block = [...renderToTerminal(display).split("\n")[1]][1];
      blocks.add(block);
      expect(filledQuarters(block), `pattern ${pattern}`).toBe(pattern);
    }
    expect(blocks.size).toBe(16);
  });

  it("terminal: colour escapes on request, a dark labelled panel when off", () => {
    const display = sample();
    expect(renderToTerminal(display, { color: true })).toContain("\x1b[");
    const bus = new I2cBus();
    bus.attach(display);
    bus.writeTo(0x3c, Uint8Array.of(0x00, 0xae));
    const lines = renderToTerminal(display).split("\n");
    expect(lines).toHaveLength(34);
    expect(lines.slice(1, 33).every((l) => l === "│" + " ".repeat(64) + "│")).toBe(true);
    expect(lines[33]).toContain("off");
  });
});
