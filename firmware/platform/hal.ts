/**
 * The hardware seam: everything the token program needs from its platform, and nothing more.
 *
 * The firmware outside firmware/platform/ is portable TypeScript (PORTABLE-SUBSET.md): it is
 * built to ES5 for Espruino today and to Lua for NodeMCU later, and it touches hardware only
 * through a Hal. firmware/platform/espruino/ implements it over Espruino's globals (I2C1,
 * Serial1, setWatch, Storage, E, ESP32); the simulator (hardware/sim/) emulates those globals,
 * so the same bundle runs in both places. Tests may also pass a plain fake Hal.
 *
 * Each member says whether it is required and what the firmware does without it.
 */
import { NativeDigest } from "../../shared/otp/hash.js";

/**
 * A byte buffer from the platform: on Espruino a flat Uint8Array (a 1 KB frame buffer as a JS
 * array would cost over 1,000 of a few thousand variables), in Lua a table. Portable code
 * indexes it like an array, 0 .. length - 1, values 0..255.
 */
export type Bytes = number[];

export interface Hal {
  // ---- I2C (required): one bus, the DS3231 at 0x68 and the SSD1306 at 0x3C -------------
  /** Writes bytes to the device at a 7-bit address. */
  i2cWrite: (this: void, address: number, data: number[]) => void;
  /** Writes a register address, then reads `count` bytes from the device. */
  i2cReadRegisters: (this: void, address: number, register: number, count: number) => number[];

  // ---- memory (required) --------------------------------------------------------------
  /** A zero-filled byte buffer of `length` bytes, in the platform's most compact form. */
  newBytes: (this: void, length: number) => Bytes;

  // ---- time (required) ----------------------------------------------------------------
  /**
   * The system clock, whole UTC seconds. Set from the DS3231 at every boot and wake: the
   * ESP32's own clock drifts by percent in deep sleep and is never trusted across it.
   */
  nowSeconds: (this: void) => number;
  /** Sets the system clock (whole UTC seconds). */
  setSystemTime: (this: void, unixSeconds: number) => void;
  /** Milliseconds into the current second of the system clock (0..999), for timer alignment. */
  millisecondsIntoSecond: (this: void) => number;
  /** Calls `fn` once after `ms` milliseconds; returns an id for cancelTimer. */
  afterMs: (this: void, ms: number, fn: () => void) => number;
  cancelTimer: (this: void, id: number) => void;

  // ---- storage (required): flash files holding the token's records --------------------
  /** The file's bytes as a byte string, or null when there is no such file. */
  storageRead: (this: void, name: string) => string | null;
  /**
   * Writes a whole file, replacing any old one. The old copy is erased first, so a power cut
   * mid-write, or a full flash (Espruino throws "Unable to find or create file" after erasing),
   * loses the file: callers keep two copies. Returns false when the write failed.
   */
  storageWrite: (this: void, name: string, data: string) => boolean;
  /**
   * Espruino's write(name, data, offset, size) (required for nonces). Offset 0: (re)creates the
   * file with `size` bytes (the rest reads 0xFF) and `data` at its start, erasing an old copy
   * first. Offset > 0: programs `data` into bytes of the existing file that still read 0xFF,
   * without an erase (NOR flash programs bits 1 -> 0); bytes already programmed are refused.
   * Returns false when the write failed (flash full, no such file, bytes already written).
   */
  storageWriteAt: (this: void, name: string, data: string, offset: number, size: number) => boolean;
  storageErase: (this: void, name: string) => void;
  /**
   * Physically removes erased files (Espruino's Storage.compact): until then an erased file's
   * bytes stay readable in a flash dump. Optional; null: erased data lingers until the
   * platform reuses the space.
   */
  storageCompact: ((this: void) => void) | null;

  // ---- the console UART (required) ----------------------------------------------------
  /** Sends text to the host. */
  uartWrite: (this: void, text: string) => void;
  /** Receives text from the host, in whatever chunks it arrives. */
  onUartData: (this: void, handler: (chunk: string) => void) => void;
  /**
   * Hands the console back to the interpreter's REPL (firmware update). Required for
   * MAINTENANCE; the token refuses MAINTENANCE when this is null.
   */
  openRepl: ((this: void) => void) | null;

  // ---- the button (required) -----------------------------------------------------------
  /** Debounced edges of the one button: true when pressed, false when released. */
  onButton: (this: void, handler: (pressed: boolean) => void) => void;
  /** Whether the button is held right now (maintenance needs it held). */
  buttonIsDown: (this: void) => boolean;

  // ---- power (optional) ---------------------------------------------------------------
  /** Deep sleep until the button wakes the chip (a wake is a reboot). Null: stay awake idle. */
  deepSleep: ((this: void) => void) | null;
  /** Restarts the program. Required for REBOOT (refused when null). */
  reboot: ((this: void) => void) | null;

  // ---- identity (required) ------------------------------------------------------------
  /** A stable id of this chip (the ESP32's MAC as hex), shown before a serial is assigned. */
  deviceId: (this: void) => string;

  // ---- entropy (required for nonces) ----------------------------------------------------
  /**
   * `count` bytes of the best entropy the platform has. Not trusted to be unpredictable, nor
   * even to differ between boots (Espruino's E.hwRand is a fixed-seed generator): nonce.ts
   * mixes it with a flash counter and the chip id, which alone make every nonce unique.
   */
  randomBytes: (this: void, count: number) => number[];

  // ---- acceleration (optional) ----------------------------------------------------------
  /** A native SHA-1 (Espruino's require("crypto").SHA1). Null: the pure core is used. */
  nativeSha1: NativeDigest | null;
  /** A native CRC-32/ISO-HDLC of a byte string (E.CRC32). Null: the portable one is used. */
  nativeCrc32: ((this: void, data: string) => number) | null;
}
