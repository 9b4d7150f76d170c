/**
 * firmware/drivers/ssd1306.ts: the I2C transcript, decoded by a small SSD1306 model written
 * here (commands, 0x21/0x22 windows, horizontal addressing), must rebuild the frame; and the
 * flush must only send what changed.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SSD1306_ADDRESS, displayOn, flushDisplay, initDisplay, newDisplay } from "../../firmware/drivers/ssd1306.js";
import { fillRect } from "../../firmware/ui/canvas.js";
import { drawCodeScreen, drawCountdownBar } from "../../firmware/ui/screens.js";
import { createFakeHal } from "./fake-hal.js";

/** Commands followed by this many argument bytes. */
const ARGS: Record<number, number> = {
  0x20: 1, 0x21: 2, 0x22: 2, 0x81: 1, 0x8d: 1, 0xa8: 1, 0xd3: 1, 0xd5: 1, 0xd9: 1, 0xda: 1, 0xdb: 1,
};

/** A panel fed with I2C writes: its RAM, the commands it saw, and its addressing state. */
class Panel {
  ram = new Array(1024).fill(0x5a); // whatever was there at power-on
  commands: number[][] = [];
  on = false;
  horizontal = false;
  col = 0;
  page = 0;
  window = [0, 127, 0, 7];

  feed(write: number[]): void {
    const [control, ...rest] = write;
    if (control === 0x00) {
      for (let i = 0; i < rest.length; ) {
        const n = ARGS[rest[i]] ?? 0;
        const command = rest.slice(i, i + 1 + n);
        expect(command.length).toBe(1 + n);
        this.command(command);
        i += 1 + n;
      }
    } else if (control === 0x40) {
      expect(this.horizontal).toBe(true);
      for (const byte of rest) this.data(byte);
    } else {
      throw new Error(`unexpected control byte ${control}`);
    }
  }

  private command(c: number[]): void {
    this.commands.push(c);
    if (c[0] === 0x20) this.horizontal = c[1] === 0;
    if (c[0] === 0x21) [this.window[0], this.window[1], this.col] = [c[1], c[2], c[1]];
    if (c[0] === 0x22) [this.window[2], this.window[3], this.page] = [c[1], c[2], c[1]];
    if (c[0] === 0xaf) this.on = true;
    if (c[0] === 0xae) this.on = false;
  }

  private data(byte: number): void {
    this.ram[this.page * 128 + this.col] = byte;
    if (this.col === this.window[1]) {
      this.col = this.window[0];
      this.page = this.page === this.window[3] ? this.window[2] : this.page + 1;
    } else {
      this.col++;
    }
  }
}

function setup(typedBytes = false) {
  const fake = createFakeHal({ typedBytes });
  const panel = new Panel();
  let seen = 0;
  const sync = () => {
    const writes = fake.writesTo(SSD1306_ADDRESS);
    const fresh = writes.slice(seen);
    seen = writes.length;
    for (const w of fresh) panel.feed(w);
    return fresh.reduce((n, w) => n + w.length, 0);
  };
  const display = newDisplay(fake.hal);
  initDisplay(fake.hal, display);
  sync();
  return { fake, panel, display, sync };
}

describe("ssd1306", () => {
  it("initialises: charge pump, horizontal addressing, remap, COM scan, contrast, on", () => {
    const { panel, display } = setup();
    const seen = panel.commands.map((c) => c.join(","));
    for (const c of [[0x8d, 0x14], [0x20, 0x00], [0xa1], [0xc8], [0xaf]]) expect(seen).toContain(c.join(","));
    expect(seen.some((c) => c.startsWith(String(0x81) + ","))).toBe(true);
    expect(panel.on).toBe(true);
    expect(display.on).toBe(true);
    expect(display.frame.length).toBe(1024);
    expect(display.shadow.length).toBe(1024);
  });

  it.each([false, true])("sends the whole frame first, nothing when unchanged, a few bytes for a bar tick (Uint8Array %s)", (typed) => {
    const { fake, panel, display, sync } = setup(typed);
    drawCodeScreen(display.frame, "GitHub", "287082", 20, 30);
    const first = flushDisplay(fake.hal, display);
    expect(sync()).toBe(first);
    expect(first).toBeGreaterThanOrEqual(1024);
    expect(first).toBeLessThan(1024 + 40);
    expect(panel.ram).toEqual([...display.frame]);

    expect(flushDisplay(fake.hal, display)).toBe(0);
    expect(sync()).toBe(0);

    drawCountdownBar(display.frame, 19, 30);
    const tick = flushDisplay(fake.hal, display);
    expect(sync()).toBe(tick);
    expect(tick).toBeGreaterThan(0);
    expect(tick).toBeLessThan(100);
    expect(panel.ram).toEqual([...display.frame]);
    expect(display.bytesSent).toBe(fake.writesTo(SSD1306_ADDRESS).reduce((n, w) => n + w.length, 0));
  });

  it("keeps the panel equal to the frame through any sequence of changes", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.tuple(fc.integer({ min: -5, max: 130 }), fc.integer({ min: -5, max: 70 }),
          fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 20 }), fc.boolean()), { maxLength: 4 }),
        { minLength: 1, maxLength: 5 }),
        (steps) => {
          const { fake, panel, display, sync } = setup();
          for (const rects of steps) {
            for (const [x, y, w, h, on] of rects) fillRect(display.frame, x, y, w, h, on);
            const sent = flushDisplay(fake.hal, display);
            expect(sync()).toBe(sent);
            expect(panel.ram).toEqual([...display.frame]);
            expect([...display.shadow]).toEqual([...display.frame]);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("sends everything again after a re-initialisation, and switches on and off", () => {
    const { fake, panel, display, sync } = setup();
    drawCodeScreen(display.frame, "A", "123456", 5, 30);
    flushDisplay(fake.hal, display);
    sync();
    panel.ram.fill(0); // the panel lost power
    initDisplay(fake.hal, display);
    expect(flushDisplay(fake.hal, display)).toBeGreaterThanOrEqual(1024);
    sync();
    expect(panel.ram).toEqual([...display.frame]);
    displayOn(fake.hal, display, false);
    sync();
    expect(panel.on).toBe(false);
    expect(display.on).toBe(false);
    displayOn(fake.hal, display, true);
    sync();
    expect(panel.on).toBe(true);
  });
});
