import { describe, expect, it } from "vitest";
import { I2cBus } from "../../../hardware/sim/devices/i2c-bus.js";
import { Ssd1306 } from "../../../hardware/sim/devices/ssd1306.js";

const ADDR = 0x3c;
/** A typical 128x64 init: display off, clocks, mux 63, offset 0, start line 0, charge pump on,
 * horizontal addressing, segment remap, COM scan reversed, COM pins 0x12, contrast, precharge,
 * VCOMH, resume RAM, normal, scroll off, display on. */
const INIT = [0xae, 0xd5, 0x80, 0xa8, 0x3f, 0xd3, 0x00, 0x40, 0x8d, 0x14, 0x20, 0x00, 0xa1, 0xc8, 0xda, 0x12, 0x81, 0xcf, 0xd9, 0xf1, 0xdb, 0x40, 0xa4, 0xa6, 0x2e, 0xaf];

function rig(init = INIT) {
  const display = new Ssd1306({ powerOnRam: "zero" });
  const bus = new I2cBus();
  bus.attach(display);
  const commands = (...bytes: number[]) => bus.writeTo(ADDR, Uint8Array.of(0x00, ...bytes));
  const data = (...bytes: number[]) => bus.writeTo(ADDR, Uint8Array.of(0x40, ...bytes));
  if (init.length > 0) commands(...init);
  return { display, bus, commands, data };
}

/** An independent test image: a frame, a diagonal, and a checker block. */
const image = (x: number, y: number) =>
  x === 0 || y === 0 || x === 127 || y === 63 || x === 2 * y || (x >= 90 && x < 110 && y >= 20 && y < 40 && (x + y) % 2 === 0);

/** Packs an image into 1024 bytes of horizontal-mode data: page by page, column by column, LSB on top. */
function pack(f: (x: number, y: number) => boolean): number[] {
  const out: number[] = [];
  for (let page = 0; page < 8; page++) {
    for (let x = 0; x < 128; x++) {
      let b = 0;
      for (let bit = 0; bit < 8; bit++) if (f(x, page * 8 + bit)) b |= 1 << bit;
      out.push(b);
    }
  }
  return out;
}

const glass = (d: Ssd1306) => {
  const rows: string[] = [];
  for (let y = 0; y < 64; y++) {
    let r = "";
    for (let x = 0; x < 128; x++) r += d.pixel(x, y) ? "#" : ".";
    rows.push(r);
  }
  return rows;
};

describe("SSD1306 commands", () => {
  it("decodes the init sequence: panel on, registers set, every byte counted", () => {
    const { display } = rig();
    expect(display.isOn()).toBe(true);
    expect(display.commandBytesReceived).toBe(INIT.length);
    expect(display.dataBytesReceived).toBe(0);
    expect(display.unknownCommands).toEqual([]);
    expect(display.addressingMode).toBe(0);
    expect(display.contrast).toBe(0xcf);
    expect(display.chargePump).toBe(true);
    expect(display.segmentRemap).toBe(true);
    expect(display.comScanReversed).toBe(true);
    expect(display.precharge).toBe(0xf1);
    expect(display.vcomh).toBe(0x40);
  });

  it("accepts one command per transfer, with arguments in later transfers (Espruino module style)", () => {
    const display = new Ssd1306({ powerOnRam: "zero" });
    const bus = new I2cBus();
    bus.attach(display);
    for (const c of INIT) bus.writeTo(ADDR, Uint8Array.of(0x00, c));
    expect(display.isOn()).toBe(true);
    expect(display.contrast).toBe(0xcf);
    expect(display.addressingMode).toBe(0);
    expect(display.commandBytesReceived).toBe(INIT.length);
  });

  it("handles Co-bit control bytes (one byte each)", () => {
    const { display, bus } = rig([]);
    // Co=1 command 0xAF, Co=1 command 0x8D, Co=1 command 0x14, Co=1 data 0x55, then Co=0 data run.
    bus.writeTo(ADDR, Uint8Array.of(0x80, 0xaf, 0x80, 0x8d, 0x80, 0x14, 0xc0, 0x55, 0x40, 0x01, 0x02));
    expect(display.isOn()).toBe(true);
    expect(display.commandBytesReceived).toBe(3);
    expect(display.dataBytesReceived).toBe(3);
    expect(Array.from(display.gddram().subarray(0, 3))).toEqual([0x55, 0x01, 0x02]);
  });

  it("stays dark without the charge pump, and with 0xAE; lights everything with 0xA5; inverts with 0xA7", () => {
    const { display, commands } = rig(INIT.filter((_, i) => i !== 8 && i !== 9)); // no 0x8D 0x14
    expect(display.isOn()).toBe(false);
    expect(display.pixel(5, 5)).toBe(false);
    commands(0x8d, 0x14);
    expect(display.isOn()).toBe(true);
    expect(display.pixel(5, 5)).toBe(false);
    commands(0xa5);
    expect(display.pixel(5, 5)).toBe(true);
    commands(0xa4, 0xa7);
    expect(display.pixel(5, 5)).toBe(true);
    commands(0xa6, 0xae);
    expect(display.isOn()).toBe(false);
  });

  it("records unknown commands", () => {
    const { display, commands } = rig();
    commands(0xd6, 0xe3, 0x2f);
    expect(display.unknownCommands).toEqual([0xd6]);
    expect(display.scrolling).toBe(true);
    commands(0x2e);
    expect(display.scrolling).toBe(false);
  });
});

describe("SSD1306 GDDRAM and the glass", () => {
  it("puts a horizontal-mode full frame where the firmware means it (0xA1 + 0xC8: x left, y top)", () => {
    const { display, commands, data } = rig();
    commands(0x21, 0, 127, 0x22, 0, 7);
    const frame = pack(image);
    for (let i = 0; i < frame.length; i += 32) data(...frame.slice(i, i + 32)); // 32-byte transfers
    expect(display.dataBytesReceived).toBe(1024);
    for (let y = 0; y < 64; y++) for (let x = 0; x < 128; x++) expect(display.pixel(x, y), `(${x},${y})`).toBe(image(x, y));
    // The pointer wrapped back to the window start.
    expect(display.pointer()).toMatchObject({ page: 0, column: 0 });
  });

  it("puts a page-mode partial write in the right pixels", () => {
    const { display, commands, data } = rig();
    commands(0x20, 0x02, 0xb3, 0x0a, 0x10); // page mode, page 3, column 10
    data(0xff, 0x81);
    const lit: string[] = [];
    for (let y = 0; y < 64; y++) for (let x = 0; x < 128; x++) if (display.pixel(x, y)) lit.push(`${x},${y}`);
    expect(lit.sort()).toEqual(["10,24", "10,25", "10,26", "10,27", "10,28", "10,29", "10,30", "10,31", "11,24", "11,31"].sort());
    commands(0xb7, 0x0f, 0x17); // page 7, column 127: the next byte wraps to column 0 in page mode
    data(0x80, 0x80);
    expect(display.pixel(127, 63)).toBe(true);
    expect(display.pixel(0, 63)).toBe(true);
    expect(display.pointer()).toMatchObject({ page: 7, column: 1 });
  });

  it("wraps inside the column and page windows in horizontal and vertical mode", () => {
    const { display, commands, data } = rig();
    commands(0x21, 10, 12, 0x22, 2, 3);
    data(1, 2, 3, 4, 5, 6, 7);
    const ram = display.gddram();
    const at = (page: number, col: number) => ram[page * 128 + col];
    expect([at(2, 10), at(2, 11), at(2, 12), at(3, 10), at(3, 11), at(3, 12)]).toEqual([7, 2, 3, 4, 5, 6]);
    expect(at(2, 13)).toBe(0);
    expect(at(4, 10)).toBe(0);

    commands(0x20, 0x01, 0x21, 20, 21, 0x22, 5, 6);
    data(1, 2, 3, 4, 5);
    const ram2 = display.gddram();
    const at2 = (page: number, col: number) => ram2[page * 128 + col];
    expect([at2(5, 20), at2(6, 20), at2(5, 21), at2(6, 21)]).toEqual([5, 2, 3, 4]);
    expect(at2(7, 20)).toBe(0);
  });

  it("shows the unflipped orientation (0xA0 + 0xC0) rotated by 180 degrees", () => {
    const { display, commands, data } = rig(INIT.map((c) => (c === 0xa1 ? 0xa0 : c === 0xc8 ? 0xc0 : c)));
    commands(0x21, 0, 127, 0x22, 0, 7);
    data(0x01); // RAM column 0, row 0
    expect(display.pixel(127, 63)).toBe(true);
    expect(display.pixel(0, 0)).toBe(false);
  });

  it("applies the display start line and interlaces rows with the wrong COM pin configuration", () => {
    const { display, commands, data } = rig();
    commands(0x21, 0, 127, 0x22, 1, 1);
    data(0x01); // RAM row 8, column 0
    expect(display.pixel(0, 8)).toBe(true);
    commands(0x48); // start line 8: RAM row 8 at the top
    expect(display.pixel(0, 0)).toBe(true);
    commands(0x40, 0xda, 0x02); // sequential COM pins on a panel wired for 0x12
    const rows = glass(display);
    expect(rows.filter((r) => r[0] === "#")).toHaveLength(1);
    expect(rows[8][0]).toBe(".");
  });

  it("counts data and command bytes and resets the counters", () => {
    const { display, bus, commands, data } = rig();
    display.resetCounters();
    commands(0x21, 0, 127);
    data(...new Array(100).fill(0xaa));
    expect(display.commandBytesReceived).toBe(3);
    expect(display.dataBytesReceived).toBe(100);
    expect(bus.bytesWritten(ADDR)).toBe(INIT.length + 1 + 4 + 101);
    display.resetCounters();
    expect(display.commandBytesReceived + display.dataBytesReceived).toBe(0);
  });

  it("loses RAM and settings on power off, and does not ACK while off", () => {
    const display = new Ssd1306({ seed: 7 });
    const bus = new I2cBus();
    bus.attach(display);
    const noise = display.gddram();
    expect(noise.some((b) => b !== 0)).toBe(true); // power-on RAM is garbage, not zeros
    bus.writeTo(ADDR, Uint8Array.of(0x00, ...INIT));
    bus.writeTo(ADDR, Uint8Array.of(0x00, 0x21, 0, 127, 0x22, 0, 7));
    bus.writeTo(ADDR, Uint8Array.of(0x40, ...new Array(1024).fill(0)));
    expect(display.isOn()).toBe(true);
    display.powerOff();
    expect(display.isOn()).toBe(false);
    expect(() => bus.writeTo(ADDR, Uint8Array.of(0x00, 0xaf))).toThrow("jshI2CWrite: slave doesn't ACK the transfer");
    display.powerOn();
    expect(display.isOn()).toBe(false);
    expect(display.addressingMode).toBe(2);
    expect(display.gddram().some((b) => b !== 0)).toBe(true);
    expect(Array.from(bus.readFrom(ADDR, 1))).toEqual([0x40]); // status: display off
  });
});
