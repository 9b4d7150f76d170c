/**
 * A fake ESP32 ROM bootloader speaking the serial flasher protocol, for the flash tests.
 *
 * It is a ByteLink (plug it straight into flashEspruino) and can also sit at the far end of a
 * real pty (`fakeRomOnPty`). It models: the auto-reset circuit (EN on RTS,
 * IO0 on DTR: released from reset with IO0 low = download mode), the chip's baud rate (bytes
 * at the wrong speed are lost), SLIP, and the ROM commands esptool-js sends without a stub:
 * SYNC, READ_REG (chip magic at 0x40001000), SPI_ATTACH, SPI_SET_PARAMS, CHANGE_BAUDRATE,
 * FLASH_BEGIN/DATA/END, FLASH_DEFL_BEGIN/DATA/END (zlib), SPI_FLASH_MD5; anything else is
 * answered with "invalid message". Flash is 4 MB of NOR: erase sets sectors to 0xff, writes
 * can only clear bits.
 */
import { createHash } from "node:crypto";
import { inflateSync, constants } from "node:zlib";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { SerialPort } from "serialport";
import type { ByteLink } from "../../host/flash/esptool-adapter.js";


export const OPS: Record<number, string> = {
  0x02: "FLASH_BEGIN",
  0x03: "FLASH_DATA",
  0x04: "FLASH_END",
  0x05: "MEM_BEGIN",
  0x06: "MEM_END",
  0x07: "MEM_DATA",
  0x08: "SYNC",
  0x09: "WRITE_REG",
  0x0a: "READ_REG",
  0x0b: "SPI_SET_PARAMS",
  0x0d: "SPI_ATTACH",
  0x0f: "CHANGE_BAUDRATE",
  0x10: "FLASH_DEFL_BEGIN",
  0x11: "FLASH_DEFL_DATA",
  0x12: "FLASH_DEFL_END",
  0x13: "SPI_FLASH_MD5",
  0x14: "GET_SECURITY_INFO",
};

export const ESP32_MAGIC_REG = 0x40001000;
export const ESP32_MAGIC = 0x00f01d83;
const SECTOR = 0x1000;

export interface FakeRomOptions {
  flashSize?: number;
  /** Flip this flash byte after it is written (a block damaged after its checksum passed). */
  corruptFlashAt?: number;
  /** Answer FLASH_DATA / FLASH_DEFL_DATA block `seq` of write number `write` (0-based) with status 0x07 (bad checksum). */
  badChecksum?: { write: number; seq: number };
  /** Never enter download mode (a board without auto-reset, BOOT not held). */
  ignoreReset?: boolean;
  /** In download mode from power-on (BOOT held by hand), whatever the modem lines do. */
  bootHeld?: boolean;
  /** Hear the host at any baud rate (behind a pty, which carries none). */
  anyBaud?: boolean;
}

export interface LoggedCommand {
  op: number;
  name: string;
  words: number[];
  length: number;
}

export class FakeEsp32Rom implements ByteLink {
  readonly description = "fake-esp32";
  readonly flash: Uint8Array;
  readonly commands: LoggedCommand[] = [];
  readonly boots: ("download" | "app")[] = [];
  readonly baudRates: number[] = [];
  spiParams: number[] | null = null;
  /** Every byte that reached the chip, listened to or not. */
  bytesHeard = 0;

  private rts = false;
  private mode: "off" | "download" | "app" = "app";
  private hostBaud = 0;
  private chipBaud = 115200;
  private frame: number[] | null = null;
  private escaping = false;
  private listeners = new Set<(bytes: Uint8Array) => void>();
  private linkOpen = false;
  private writeCount = -1;
  private write_: { offset: number; blockSize: number; blocks: number; seq: number; compressed: boolean; stream: Buffer[]; inflated: number } | null = null;

  constructor(readonly options: FakeRomOptions = {}) {
    const size = options.flashSize ?? 4 * 1024 * 1024;
    // What was there before: not erased, so a missing erase or write shows up.
    this.flash = new Uint8Array(size);
    for (let i = 0; i < size; i++) this.flash[i] = (i * 7 + 3) & 0xff;
    if (options.bootHeld) {
      this.mode = "download";
      this.boots.push("download");
    }
  }

  opNames(): string[] {
    return this.commands.map((c) => c.name);
  }

  // --- ByteLink, for plugging straight into flashEspruino ---------------------------------

  async open(baudRate: number): Promise<void> {
    this.linkOpen = true;
    this.hostBaud = baudRate;
  }

  async write(bytes: Uint8Array): Promise<void> {
    this.fromHost(bytes);
  }

  onData(listener: (bytes: Uint8Array) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async setSignals(lines: { dtr: boolean; rts: boolean }): Promise<void> {
    this.lines(lines);
  }

  async setBaudRate(baudRate: number): Promise<void> {
    this.hostBaud = baudRate;
  }

  async close(): Promise<void> {
    this.linkOpen = false;
  }

  // --- the wire -----------------------------------------------------------------------------

  /** Modem lines: RTS holds EN (reset) low, DTR holds IO0 low. */
  lines({ dtr, rts }: { dtr: boolean; rts: boolean }): void {
    if (this.options.bootHeld) return;
    if (rts && !this.rts) this.mode = "off";
    if (!rts && this.rts && !this.options.ignoreReset) {
      this.mode = dtr ? "download" : "app";
      this.boots.push(this.mode);
      this.chipBaud = 115200;
      this.write_ = null;
      this.frame = null;
      this.toHost(
        new TextEncoder().encode(
          this.mode === "download"
            ? "ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\nwaiting for download\r\n"
            : "ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n",
        ),
      );
    }
    this.rts = rts;
  }

  fromHost(bytes: Uint8Array): void {
    this.bytesHeard += bytes.length;
    if (this.mode !== "download" || !this.baudMatches()) return; // not listening, or garbage
    for (const byte of bytes) {
      if (this.frame === null) {
        if (byte === 0xc0) this.frame = [];
      } else if (this.escaping) {
        this.escaping = false;
        this.frame.push(byte === 0xdc ? 0xc0 : byte === 0xdd ? 0xdb : byte);
      } else if (byte === 0xdb) {
        this.escaping = true;
      } else if (byte === 0xc0) {
        const frame = this.frame;
        this.frame = [];
        if (frame.length > 0) this.command(Uint8Array.from(frame));
      } else {
        this.frame.push(byte);
      }
    }
  }

  private baudMatches(): boolean {
    return this.options.anyBaud === true || this.hostBaud === this.chipBaud;
  }

  private toHost(bytes: Uint8Array): void {
    const baud = this.chipBaud;
    setImmediate(() => {
      if (!this.linkOpen || (baud !== this.hostBaud && !this.options.anyBaud)) return;
      for (const listener of this.listeners) listener(bytes);
    });
  }

  private respond(op: number, value: number, data: Uint8Array | number[] = [], status = 0, error = 0): void {
    const body = new Uint8Array(8 + data.length + 4);
    const view = new DataView(body.buffer);
    body[0] = 1;
    body[1] = op;
    view.setUint16(2, data.length + 4, true);
    view.setUint32(4, value >>> 0, true);
    body.set(data, 8);
    body[8 + data.length] = status;
    body[9 + data.length] = error;
    const out = [0xc0];
    for (const byte of body) {
      if (byte === 0xc0) out.push(0xdb, 0xdc);
      else if (byte === 0xdb) out.push(0xdb, 0xdd);
      else out.push(byte);
    }
    out.push(0xc0);
    this.toHost(Uint8Array.from(out));
  }

  private command(frame: Uint8Array): void {
    if (frame.length < 8 || frame[0] !== 0) return;
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    const op = frame[1]!;
    const length = view.getUint16(2, true);
    const checksum = view.getUint32(4, true);
    const data = frame.subarray(8, 8 + length);
    const words: number[] = [];
    for (let at = 0; at + 4 <= Math.min(data.length, 20); at += 4) words.push(view.getUint32(8 + at, true));
    this.commands.push({ op, name: OPS[op] ?? `0x${op.toString(16)}`, words, length });
    if (data.length !== length) return this.respond(op, 0, [], 1, 0x05);
    const ok = () => this.respond(op, 0);
    switch (op) {
      case 0x08: {
        const good = length === 36 && data[0] === 7 && data[1] === 7 && data[2] === 0x12 && data[3] === 0x20 && data.subarray(4).every((b) => b === 0x55);
        if (!good) return this.respond(op, 0, [], 1, 0x05);
        for (let i = 0; i < 8; i++) this.respond(op, 0x20120707);
        return;
      }
      case 0x0a:
        return this.respond(op, words[0] === ESP32_MAGIC_REG ? ESP32_MAGIC : 0);
      case 0x09:
      case 0x04:
      case 0x12:
        return ok();
      case 0x0d:
        return length === 8 ? ok() : this.respond(op, 0, [], 1, 0x05);
      case 0x0b:
        this.spiParams = words;
        return ok();
      case 0x0f:
        ok();
        this.baudRates.push(words[0]!);
        this.chipBaud = words[0]!; // answers at the old rate, then switches
        return;
      case 0x02:
      case 0x10: {
        if (length !== 16 && !(op === 0x02 && length === 20)) return this.respond(op, 0, [], 1, 0x05);
        const [size, blocks, blockSize, offset] = words as [number, number, number, number];
        if (offset % SECTOR !== 0 || offset + size > this.flash.length) return this.respond(op, 0, [], 1, 0x06);
        const end = Math.min(this.flash.length, Math.ceil((offset + size) / SECTOR) * SECTOR);
        this.flash.fill(0xff, offset, end);
        this.writeCount++;
        this.write_ = { offset, blockSize, blocks, seq: 0, compressed: op === 0x10, stream: [], inflated: 0 };
        return ok();
      }
      case 0x03:
      case 0x11: {
        const write = this.write_;
        if (!write || write.compressed !== (op === 0x11)) return this.respond(op, 0, [], 1, 0x06);
        const size = view.getUint32(8, true);
        const seq = view.getUint32(12, true);
        const payload = data.subarray(16);
        if (payload.length !== size || seq !== write.seq) return this.respond(op, 0, [], 1, 0x06);
        let sum = 0xef;
        for (const byte of payload) sum ^= byte;
        const forced = this.options.badChecksum && this.options.badChecksum.write === this.writeCount && this.options.badChecksum.seq === seq;
        if (sum !== checksum || forced) return this.respond(op, 0, [], 1, 0x07);
        if (write.compressed) {
          write.stream.push(Buffer.from(payload));
          const all = inflateSync(Buffer.concat(write.stream), { finishFlush: constants.Z_SYNC_FLUSH });
          this.program(write.offset + write.inflated, all.subarray(write.inflated));
          write.inflated = all.length;
        } else {
          this.program(write.offset + seq * write.blockSize, payload);
        }
        write.seq++;
        return ok();
      }
      case 0x13: {
        const [address, size] = words as [number, number];
        const md5 = createHash("md5").update(this.flash.subarray(address, address + size)).digest("hex");
        return this.respond(op, 0, new TextEncoder().encode(md5));
      }
      default:
        // Not a command this ROM knows (GET_SECURITY_INFO, MEM_* for a stub, ...).
        return this.respond(op, 0, [], 1, 0x05);
    }
  }

  /** NOR flash: writing can only clear bits. */
  private program(address: number, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length && address + i < this.flash.length; i++) this.flash[address + i]! &= bytes[i]!;
    const bad = this.options.corruptFlashAt;
    if (bad !== undefined && bad >= address && bad < address + bytes.length) this.flash[bad]! ^= 0x01;
  }
}

/**
 * The fake ROM at the far end of a real pty pair made by socat: the host side (`path`) is
 * what tokensmith opens with node-serialport, exactly as it opens a USB-UART; the ROM reads and
 * writes the other side through node-serialport too. A pty carries no modem lines and no baud
 * rate, so the ROM should be made with `bootHeld` and `anyBaud` (a board put in its bootloader
 * by hand).
 */
export async function fakeRomOnPty(rom: FakeEsp32Rom, socat: string, dir: string): Promise<{ path: string; stop(): Promise<void> }> {
  const hostSide = path.join(dir, "ttyHOST");
  const romSide = path.join(dir, "ttyROM");
  const child = spawn(socat, ["-d", "-d", `pty,raw,echo=0,link=${hostSide}`, `pty,raw,echo=0,link=${romSide}`], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr.on("data", (chunk) => (log += chunk));
  const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
  for (let waited = 0; !(log.includes("starting data transfer loop") && existsSync(hostSide) && existsSync(romSide)); waited += 20) {
    if (waited > 10_000 || child.exitCode !== null) {
      child.kill("SIGKILL");
      throw new Error(`socat did not start: ${log.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const port = new SerialPort({ path: romSide, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  port.on("data", (chunk: Buffer) => rom.fromHost(new Uint8Array(chunk)));
  rom.onData((bytes) => {
    if (port.isOpen) port.write(Buffer.from(bytes));
  });
  await rom.open(115200);
  return {
    path: hostSide,
    async stop() {
      await rom.close();
      await new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
