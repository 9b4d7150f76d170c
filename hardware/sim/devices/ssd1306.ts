/**
 * SSD1306 OLED controller (128x64 panel, I2C at 0x3C), modelled from the Solomon Systech
 * datasheet (rev 1.1) at the level the firmware can observe: command decoding, GDDRAM
 * addressing, and what the glass shows.
 *
 * I2C framing: each write transfer starts with a control byte. Co (0x80) = 0: every following
 * byte is a command (D/C# 0x40 = 0) or GDDRAM data (0x40). Co = 1: one command/data byte follows,
 * then another control byte. Multi-byte commands may be split across transfers (Espruino's own
 * SSD1306 module sends one command per transfer): the decoder keeps its state between writes.
 * A read transfer returns the status byte (bit 6 = display off).
 *
 * GDDRAM: 8 pages x 128 columns, one byte = 8 vertical pixels, LSB on top. Data bytes land at
 * the current page/column and advance by the addressing mode (0x20):
 * - horizontal (0): column+1; past the column window's end -> window start and page+1 (the page
 *   wraps inside the page window);
 * - vertical (1): page+1; past the page window's end -> window start and column+1 (wrapping);
 * - page (2, the power-on mode): column+1, wrapping 127 -> 0 inside the same page.
 * 0x21/0x22 set the column/page window and move the pointer to its start; 0xB0-0xB7 and
 * 0x00-0x0F/0x10-0x1F move the pointer (the datasheet lists them for page mode; here they act in
 * every mode).
 *
 * The glass: pixel(x, y) with x = 0 at the left and y = 0 at the top for the orientation the
 * firmware uses (segment remap 0xA1 and COM scan 0xC8); 0xA0 mirrors left/right and 0xC0
 * flips top/bottom, as on a real module. Display start line (0x40-0x7F), display offset (0xD3),
 * multiplex ratio (0xA8) and the COM pin configuration (0xDA; the panel is wired for 0x12, so
 * 0x02 interlaces the rows) are applied; scrolling (0x26/0x27/0x29/0x2A/0xA3/0x2F) is decoded
 * and recorded but not animated. The panel lights only when the display is on (0xAF), and,
 * unless `externalVcc` is set, the charge pump is enabled (0x8D 0x14): typical 4-pin modules
 * have no other supply for the panel.
 *
 * Power: power-on state per the datasheet's reset values (display off, page addressing mode,
 * contrast 0x7F, charge pump off). GDDRAM content at power-on is undefined on the real chip;
 * here it is deterministic pseudo-random noise (or zeros with `powerOnRam: "zero"`), so a
 * firmware that forgets to clear the screen shows it. While powered off the chip does not ACK.
 */
import type { I2cDevice } from "./i2c-bus.js";

export const SSD1306_ADDRESS = 0x3c;
const WIDTH = 128;
const HEIGHT = 64;
const PAGES = 8;

export interface Ssd1306Options {
  address?: number;
  /** GDDRAM content at power-on. Default "noise" (deterministic, from `seed`). */
  powerOnRam?: "noise" | "zero";
  seed?: number;
  /** The panel has its own supply: it lights without the charge pump. Default false. */
  externalVcc?: boolean;
}

/** Argument byte counts of multi-byte commands. */
const ARGUMENTS: Record<number, number> = {
  0x20: 1, // memory addressing mode
  0x21: 2, // column address
  0x22: 2, // page address
  0x26: 6, // right horizontal scroll setup
  0x27: 6, // left horizontal scroll setup
  0x29: 5, // vertical and right horizontal scroll setup
  0x2a: 5, // vertical and left horizontal scroll setup
  0x81: 1, // contrast
  0x8d: 1, // charge pump
  0xa3: 2, // vertical scroll area
  0xa8: 1, // multiplex ratio
  0xd3: 1, // display offset
  0xd5: 1, // display clock divide / oscillator frequency
  0xd9: 1, // pre-charge period
  0xda: 1, // COM pins hardware configuration
  0xdb: 1, // VCOMH deselect level
};

const SINGLE_BYTE = new Set([0x2e, 0x2f, 0xa0, 0xa1, 0xa4, 0xa5, 0xa6, 0xa7, 0xae, 0xaf, 0xc0, 0xc8, 0xe3]);

export class Ssd1306 implements I2cDevice {
  readonly address: number;
  readonly width = WIDTH;
  readonly height = HEIGHT;
  /** GDDRAM bytes written since the last resetCounters(). */
  dataBytesReceived = 0;
  /** Command bytes (opcodes and their arguments, not control bytes) since the last resetCounters(). */
  commandBytesReceived = 0;
  /** Opcodes this model does not know, in arrival order (treated as single-byte commands). */
  readonly unknownCommands: number[] = [];

  private readonly ram = new Uint8Array(WIDTH * PAGES);
  private readonly options: Required<Omit<Ssd1306Options, "address">>;
  private powered = true;
  private noiseState: number;

  // Command decoder
  private pendingOpcode = -1;
  private pendingArgs: number[] = [];

  // Registers (reset values from the datasheet's command table)
  private displayOn = false;
  contrast = 0x7f;
  addressingMode = 2;
  private colStart = 0;
  private colEnd = WIDTH - 1;
  private pageStart = 0;
  private pageEnd = PAGES - 1;
  private col = 0;
  private page = 0;
  chargePump = false;
  segmentRemap = false;
  comScanReversed = false;
  multiplexRatio = 63;
  displayOffset = 0;
  startLine = 0;
  comPins = 0x12;
  clockDivide = 0x80;
  precharge = 0x22;
  vcomh = 0x20;
  entireDisplayOn = false;
  inverse = false;
  scrolling = false;

  constructor(options: Ssd1306Options = {}) {
    this.address = options.address ?? SSD1306_ADDRESS;
    this.options = {
      powerOnRam: options.powerOnRam ?? "noise",
      seed: options.seed ?? 0x1306,
      externalVcc: options.externalVcc ?? false,
    };
    this.noiseState = this.options.seed >>> 0 || 1;
    this.reset();
  }

  // ---- I2C ----------------------------------------------------------------------------

  isResponding(): boolean {
    return this.powered;
  }

  write(data: Uint8Array): void {
    let i = 0;
    while (i < data.length) {
      const control = data[i++];
      const isData = (control & 0x40) !== 0;
      if (control & 0x80) {
        // Co = 1: exactly one byte, then another control byte.
        if (i < data.length) this.accept(data[i++], isData);
        continue;
      }
      for (; i < data.length; i++) this.accept(data[i], isData);
    }
  }

  read(count: number): Uint8Array {
    return new Uint8Array(count).fill(this.displayOn ? 0x00 : 0x40);
  }

  // ---- power --------------------------------------------------------------------------

  /** Supply gone: GDDRAM and registers are lost, the panel is dark, the chip stops ACKing. */
  powerOff(): void {
    this.powered = false;
  }

  /** Supply back: power-on reset. */
  powerOn(): void {
    if (this.powered) return;
    this.powered = true;
    this.reset();
  }

  // ---- what the glass shows --------------------------------------------------------------

  /** Whether the panel is lit: powered, display on (0xAF) and the charge pump (or external VCC). */
  isOn(): boolean {
    return this.powered && this.displayOn && (this.chargePump || this.options.externalVcc);
  }

  /** Whether the pixel at glass position (x, y) is lit; x = 0 left, y = 0 top. */
  pixel(x: number, y: number): boolean {
    if (!this.isOn() || x < 0 || x >= WIDTH || y < 0 || y >= HEIGHT) return false;
    if (this.entireDisplayOn) return true;
    // Row: glass row -> COM pin (panel wiring vs. COM pin configuration) -> scan line -> RAM row.
    const com = this.comFromGlassRow(HEIGHT - 1 - y);
    const lines = this.multiplexRatio + 1;
    const scan = this.comScanReversed ? lines - 1 - com : com;
    if (scan < 0 || scan >= lines) return false;
    const row = (scan + this.startLine + this.displayOffset) & 63;
    // Column: glass x -> segment -> RAM column.
    const seg = WIDTH - 1 - x;
    const column = this.segmentRemap ? WIDTH - 1 - seg : seg;
    const lit = ((this.ram[(row >> 3) * WIDTH + column] >> (row & 7)) & 1) === 1;
    return lit !== this.inverse;
  }

  /** A copy of GDDRAM (page-major: byte page * 128 + column). */
  gddram(): Uint8Array {
    return Uint8Array.from(this.ram);
  }

  /** The current page/column pointer and windows (for tests). */
  pointer(): { page: number; column: number; columnWindow: [number, number]; pageWindow: [number, number] } {
    return { page: this.page, column: this.col, columnWindow: [this.colStart, this.colEnd], pageWindow: [this.pageStart, this.pageEnd] };
  }

  resetCounters(): void {
    this.dataBytesReceived = 0;
    this.commandBytesReceived = 0;
  }

  // ---- internals ----------------------------------------------------------------------

  private reset(): void {
    if (this.options.powerOnRam === "zero") this.ram.fill(0);
    else for (let i = 0; i < this.ram.length; i++) this.ram[i] = this.noise();
    this.pendingOpcode = -1;
    this.pendingArgs = [];
    this.displayOn = false;
    this.contrast = 0x7f;
    this.addressingMode = 2;
    this.colStart = 0;
    this.colEnd = WIDTH - 1;
    this.pageStart = 0;
    this.pageEnd = PAGES - 1;
    this.col = 0;
    this.page = 0;
    this.chargePump = false;
    this.segmentRemap = false;
    this.comScanReversed = false;
    this.multiplexRatio = 63;
    this.displayOffset = 0;
    this.startLine = 0;
    this.comPins = 0x12;
    this.clockDivide = 0x80;
    this.precharge = 0x22;
    this.vcomh = 0x20;
    this.entireDisplayOn = false;
    this.inverse = false;
    this.scrolling = false;
  }

  /** xorshift32: deterministic power-on garbage. */
  private noise(): number {
    let s = this.noiseState;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    this.noiseState = s >>> 0;
    return this.noiseState & 0xff;
  }

  /**
   * The panel's rows are wired for the alternative COM pin configuration (0xDA 0x12, what
   * 128x64 modules use): then glass row r (counted from the COM0 edge) is COM r. With the
   * sequential configuration (bit 4 clear) the controller drives the pins in another order and
   * the picture comes out interlaced; bit 5 swaps the left and right COM halves.
   */
  private comFromGlassRow(r: number): number {
    let com: number;
    if (this.comPins & 0x10) {
      com = r;
    } else {
      // Sequential: COM 0-31 on the even rows, COM 32-63 on the odd rows.
      com = r % 2 === 0 ? r >> 1 : 32 + (r >> 1);
    }
    if (this.comPins & 0x20) com ^= 32;
    return com;
  }

  private accept(byte: number, isData: boolean): void {
    if (isData) {
      this.dataBytesReceived++;
      this.writeData(byte);
    } else {
      this.commandBytesReceived++;
      this.command(byte);
    }
  }

  private writeData(byte: number): void {
    this.ram[this.page * WIDTH + this.col] = byte;
    if (this.addressingMode === 0) {
      if (this.col >= this.colEnd) {
        this.col = this.colStart;
        this.page = this.page >= this.pageEnd ? this.pageStart : this.page + 1;
      } else {
        this.col++;
      }
    } else if (this.addressingMode === 1) {
      if (this.page >= this.pageEnd) {
        this.page = this.pageStart;
        this.col = this.col >= this.colEnd ? this.colStart : this.col + 1;
      } else {
        this.page++;
      }
    } else {
      this.col = (this.col + 1) % WIDTH;
    }
  }

  private command(byte: number): void {
    if (this.pendingOpcode >= 0) {
      this.pendingArgs.push(byte);
      if (this.pendingArgs.length < ARGUMENTS[this.pendingOpcode]) return;
      const opcode = this.pendingOpcode;
      const args = this.pendingArgs;
      this.pendingOpcode = -1;
      this.pendingArgs = [];
      this.execute(opcode, args);
      return;
    }
    if (ARGUMENTS[byte] !== undefined) {
      this.pendingOpcode = byte;
      this.pendingArgs = [];
      return;
    }
    this.execute(byte, []);
  }

  private execute(op: number, args: number[]): void {
    if (op <= 0x0f) {
      this.col = (this.col & 0xf0) | op;
      return;
    }
    if (op <= 0x1f) {
      this.col = ((op & 0x07) << 4) | (this.col & 0x0f);
      return;
    }
    if (op >= 0x40 && op <= 0x7f) {
      this.startLine = op & 0x3f;
      return;
    }
    if (op >= 0xb0 && op <= 0xb7) {
      this.page = op & 7;
      return;
    }
    switch (op) {
      case 0x20:
        this.addressingMode = args[0] & 3; // 3 is invalid on the chip; kept as page-like
        if (this.addressingMode === 3) this.addressingMode = 2;
        return;
      case 0x21:
        this.colStart = args[0] & 0x7f;
        this.colEnd = args[1] & 0x7f;
        this.col = this.colStart;
        return;
      case 0x22:
        this.pageStart = args[0] & 7;
        this.pageEnd = args[1] & 7;
        this.page = this.pageStart;
        return;
      case 0x26:
      case 0x27:
      case 0x29:
      case 0x2a:
      case 0xa3:
        return; // scroll setup: recorded by the counters only
      case 0x2e:
        this.scrolling = false;
        return;
      case 0x2f:
        this.scrolling = true;
        return;
      case 0x81:
        this.contrast = args[0];
        return;
      case 0x8d:
        this.chargePump = (args[0] & 0x04) !== 0;
        return;
      case 0xa0:
      case 0xa1:
        this.segmentRemap = op === 0xa1;
        return;
      case 0xa4:
      case 0xa5:
        this.entireDisplayOn = op === 0xa5;
        return;
      case 0xa6:
      case 0xa7:
        this.inverse = op === 0xa7;
        return;
      case 0xa8:
        this.multiplexRatio = Math.max(15, args[0] & 0x3f); // 0-14 are invalid
        return;
      case 0xae:
      case 0xaf:
        this.displayOn = op === 0xaf;
        return;
      case 0xc0:
      case 0xc8:
        this.comScanReversed = op === 0xc8;
        return;
      case 0xd3:
        this.displayOffset = args[0] & 0x3f;
        return;
      case 0xd5:
        this.clockDivide = args[0];
        return;
      case 0xd9:
        this.precharge = args[0];
        return;
      case 0xda:
        this.comPins = args[0] & 0x32;
        return;
      case 0xdb:
        this.vcomh = args[0];
        return;
      case 0xe3:
        return; // NOP
      default:
        if (!SINGLE_BYTE.has(op)) this.unknownCommands.push(op);
    }
  }
}
