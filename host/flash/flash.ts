/**
 * Writes an Espruino ESP32 release with esptool-js, over node-serialport (or any ByteLink):
 * reset into the ROM bootloader (esptool's DTR/RTS dance), check the chip is an ESP32, write
 * each image at its offset (deflate-compressed, as `esptool.py write_flash -z`), verify each
 * region with the chip's own MD5 of the flash, then hard-reset into the new firmware.
 *
 * It talks to the ESP32's ROM loader directly (no flasher stub is uploaded): slower than the
 * stub, but the ROM is the same on every ESP32 and the protocol is the one the tests fake.
 */
import { createHash } from "node:crypto";
import type { IEspLoaderTerminal, Transport } from "esptool-js";
import { TransportError } from "../transport/transport.js";
import { WebSerialPortShim, type ByteLink } from "./esptool-adapter.js";
import { DEFAULT_FLASH_SIZE, type FlashImage, type RegionName } from "./release.js";
import { FlashError } from "../errors.js";
export { FlashError };

export const ROM_BAUD_RATE = 115200;
/** The ESP32 ROM loader's largest FLASH_DATA block (esptool.py ESP32ROM.FLASH_WRITE_SIZE). */
const ROM_FLASH_WRITE_SIZE = 0x400;
const SPI_ATTACH = 0x0d;
const SPI_SET_PARAMS = 0x0b;
const SPI_FLASH_MD5 = 0x13;

/** Error codes in the ROM loader's status bytes (esptool serial protocol docs). */
const ROM_ERRORS: Record<number, string> = {
  0x05: "the chip received an invalid message",
  0x06: "the chip failed to act on the message",
  0x07: "the chip saw a bad checksum (data damaged on the cable?)",
  0x08: "flash write error",
  0x09: "flash read error",
  0x0a: "flash read length error",
  0x0b: "deflate (decompression) error",
};

export interface FlashProgress {
  phase: "connect" | "write" | "verify" | "reset";
  region?: RegionName;
  offset?: number;
  /** Bytes of this region written so far (estimated from the compressed stream). */
  written?: number;
  total?: number;
  /** Overall write progress, 0 to 100. */
  percent: number;
}

export interface FlashEspruinoOptions {
  /** Baud rate for the transfer (the ROM is reached at 115200 first). */
  baudRate?: number;
  compress?: boolean;
  flashSize?: number;
  onProgress?: (progress: FlashProgress) => void;
  /** esptool-js's own log lines. */
  onLog?: (line: string) => void;
}

export interface FlashedRegion {
  name: RegionName;
  offset: number;
  size: number;
  md5: string;
}

export interface FlashResult {
  chip: string;
  baudRate: number;
  regions: FlashedRegion[];
}

/**
 * esptool-js and the two classes built on it, loaded when a board is flashed (not when any
 * other command starts: it costs every tokensmith command 0.1 s and several MiB).
 */
async function loadEsptool() {
  const esptool = await import("esptool-js");
  /** esptool.py's hard reset: EN low for 100 ms with IO0 high, so the new firmware boots. */
  class PulseEnableReset extends esptool.HardReset {
    override async reset(): Promise<void> {
      await this.transport.setDTR(false);
      await this.transport.setRTS(true);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await this.transport.setRTS(false);
    }
  }
  /** esptool-js's Transport, minus its console.log tracing (which would corrupt --json output). */
  class QuietTransport extends esptool.Transport {
    log: (line: string) => void = () => undefined;
    override trace(message: string): void {
      if (this.tracing) this.log(`trace: ${message}`);
    }
  }
  return { ESPError: esptool.ESPError, ESPLoader: esptool.ESPLoader, PulseEnableReset, QuietTransport };
}

function md5Hex(bytes: Uint8Array): string {
  return createHash("md5").update(bytes).digest("hex");
}

/** esptool-js pads each image to 4 bytes with 0xff before writing; the MD5 covers that. */
function padTo4(bytes: Uint8Array): Uint8Array {
  if (bytes.length % 4 === 0) return bytes;
  const padded = new Uint8Array(bytes.length + (4 - (bytes.length % 4))).fill(0xff);
  padded.set(bytes);
  return padded;
}

function u32(...values: number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => view.setUint32(i * 4, value >>> 0, true));
  return bytes;
}

function explainStatus(message: string): string {
  const match = /status (\d+),(\d+)/.exec(message);
  if (!match) return message;
  return ROM_ERRORS[Number(match[2])] ?? `status ${match[1]}, error 0x${Number(match[2]).toString(16)}`;
}

function describe(image: FlashImage): string {
  return `the ${image.name} at 0x${image.offset.toString(16)}`;
}

export async function flashEspruino(link: ByteLink, images: FlashImage[], options: FlashEspruinoOptions = {}): Promise<FlashResult> {
  const baudRate = options.baudRate ?? ROM_BAUD_RATE;
  const compress = options.compress ?? true;
  const flashSize = options.flashSize ?? DEFAULT_FLASH_SIZE;
  const progress = options.onProgress ?? (() => undefined);
  const log = options.onLog ?? (() => undefined);
  let pending = "";
  const terminal: IEspLoaderTerminal = {
    clean: () => undefined,
    write: (text) => {
      pending += text;
    },
    writeLine: (text) => {
      const line = (pending + text).trim();
      pending = "";
      if (line) log(line);
    },
  };

  const { ESPError, ESPLoader, PulseEnableReset, QuietTransport } = await loadEsptool();
  const port = new WebSerialPortShim(link);
  const transport = new QuietTransport(port as unknown as ConstructorParameters<typeof Transport>[0], false);
  transport.log = log;
  const loader = new ESPLoader({
    transport,
    baudrate: baudRate,
    romBaudrate: ROM_BAUD_RATE,
    terminal,
    resetConstructors: { hardReset: (t) => new PulseEnableReset(t) },
  });

  let connected = false;
  try {
    progress({ phase: "connect", percent: 0 });
    try {
      await loader.detectChip("default_reset");
      connected = true;
    } catch (error) {
      if (error instanceof TransportError) throw error;
      throw new TransportError(
        `no ESP32 bootloader answered on ${link.description} (${(error as Error).message}): check the cable; if the board has no auto-reset, hold BOOT while pressing EN, then try again`,
      );
    }
    const chipName = loader.chip.CHIP_NAME;
    if (chipName !== "ESP32") throw new FlashError("wrong-chip", `the board is an ${chipName}, not an ESP32: this Espruino release is for the classic ESP32 only`);
    let chip = chipName;
    try {
      chip = await loader.chip.getChipDescription(loader);
    } catch {
      // the name is enough
    }
    log(`chip: ${chip}`);

    const command = async (what: string, op: number, data: Uint8Array, responseLength = 0, timeout = loader.DEFAULT_TIMEOUT) => {
      try {
        return await loader.checkCommand(what, op, data, 0, responseLength, timeout);
      } catch (error) {
        if (error instanceof ESPError) throw new FlashError("rom-refused", `could not ${what}: ${explainStatus(error.message)}`);
        throw error;
      }
    };
    // The ROM wants SPI_ATTACH with 8 bytes (esptool.py); esptool-js's flashSpiAttach sends 4.
    await command("attach the SPI flash", SPI_ATTACH, new Uint8Array(8));
    await command("set the flash parameters", SPI_SET_PARAMS, u32(0, flashSize, 64 * 1024, 4 * 1024, 256, 0xffff));
    if (baudRate !== ROM_BAUD_RATE) await loader.changeBaud();
    if (!loader.IS_STUB) loader.FLASH_WRITE_SIZE = ROM_FLASH_WRITE_SIZE;

    const totalBytes = images.reduce((sum, image) => sum + image.data.length, 0);
    const before = images.map((_, i) => images.slice(0, i).reduce((sum, image) => sum + image.data.length, 0));
    let current = 0;
    try {
      await loader.writeFlash({
        fileArray: images.map((image) => ({ data: image.data, address: image.offset })),
        flashMode: "keep",
        flashFreq: "keep",
        flashSize: "keep",
        eraseAll: false,
        compress,
        reportProgress: (index, sent, total) => {
          current = index;
          const image = images[index]!;
          const written = total === 0 ? image.data.length : Math.min(image.data.length, Math.round((image.data.length * sent) / total));
          progress({
            phase: "write",
            region: image.name,
            offset: image.offset,
            written,
            total: image.data.length,
            percent: totalBytes === 0 ? 100 : Math.floor((100 * (before[index]! + written)) / totalBytes),
          });
        },
      });
    } catch (error) {
      if (error instanceof ESPError) {
        throw new FlashError("write-failed", `writing ${describe(images[current]!)} failed: ${explainStatus(error.message)}`);
      }
      throw error;
    }

    const regions: FlashedRegion[] = [];
    for (const image of images) {
      progress({ phase: "verify", region: image.name, offset: image.offset, percent: 100 });
      const data = padTo4(image.data);
      const expected = md5Hex(data);
      // The ROM answers with 32 hex characters, the stub with 16 raw bytes. (esptool-js's
      // flashMd5sum hex-encodes the ROM's hex characters again, so it is not used here.)
      const timeout = Math.max(3000, (loader.MD5_TIMEOUT_PER_MB * data.length) / 1_000_000);
      const answer = (await command(`read back the MD5 of ${describe(image)}`, SPI_FLASH_MD5, u32(image.offset, data.length, 0, 0), loader.IS_STUB ? 16 : 32, timeout)) as Uint8Array;
      const actual = loader.IS_STUB ? Buffer.from(answer).toString("hex") : Buffer.from(answer).toString("latin1").toLowerCase();
      if (actual !== expected) {
        throw new FlashError(
          "verify-failed",
          `verification failed: ${describe(image)} (${image.data.length} bytes from ${image.source}) reads back with MD5 ${actual}, expected ${expected}; flash it again (a lower --baud may help)`,
        );
      }
      regions.push({ name: image.name, offset: image.offset, size: image.data.length, md5: expected });
    }

    progress({ phase: "reset", percent: 100 });
    await loader.after("hard_reset", false);
    return { chip, baudRate: loader.IS_STUB ? baudRate : Number((loader as unknown as { baudrate: number }).baudrate), regions };
  } finally {
    if (connected || port.opened) {
      try {
        await transport.disconnect();
      } catch {
        // closing is best effort
      }
    }
  }
}
