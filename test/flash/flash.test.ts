/**
 * flashEspruino (esptool-js over the Web Serial shim) against a fake ESP32 ROM bootloader:
 * the right bytes at the right offsets, progress to 100%, verification by the chip's MD5, and
 * clear failures for damaged flash, bad checksums and a board that never enters the bootloader.
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { flashEspruino, FlashError, type FlashProgress } from "../../host/flash/flash.js";
import { serialPortLink } from "../../host/flash/esptool-adapter.js";
import { ESPRUINO_ESP32_LAYOUT, type FlashImage } from "../../host/flash/release.js";
import { TransportError } from "../../host/transport/transport.js";
import { FakeEsp32Rom, fakeRomOnPty } from "./fake-rom.js";
import { socatPath } from "../cli/support.js";

const socat = socatPath();
if (socat === null && process.env.CI === "true") throw new Error("socat is not on PATH, and CI=true requires it (apt-get install socat)");
import { syntheticRelease } from "./helpers.js";

function images(): FlashImage[] {
  const parts = syntheticRelease();
  return (["bootloader", "partitions", "app"] as const).map((name) => ({ name, source: `${name}.bin`, offset: ESPRUINO_ESP32_LAYOUT[name].offset, data: parts[name] }));
}

function expectWritten(rom: FakeEsp32Rom, written: FlashImage[]): void {
  const before = new FakeEsp32Rom().flash; // the fake's initial, not-erased content
  for (const image of written) {
    const got = rom.flash.subarray(image.offset, image.offset + image.data.length);
    expect(Buffer.from(got).equals(Buffer.from(image.data)), `${image.name} at 0x${image.offset.toString(16)}`).toBe(true);
  }
  // Outside the sectors the images occupy, nothing changed.
  const touched = (address: number) => written.some((i) => address >= i.offset && address < Math.ceil((i.offset + i.data.length) / 0x1000) * 0x1000);
  for (const address of [0, 0xfff, 0x7000 - 1, 0x9000, 0xffff, 0x10000 + 0x30000, 0x3fffff]) {
    if (!touched(address)) expect(rom.flash[address], `byte at 0x${address.toString(16)}`).toBe(before[address]);
  }
}

describe("flash-espruino over esptool-js against a fake ESP32 ROM", () => {
  it("writes each image at its offset (compressed), verifies by MD5, reports progress to 100% and resets into the firmware", async () => {
    const rom = new FakeEsp32Rom();
    const release = images();
    const progress: FlashProgress[] = [];
    const result = await flashEspruino(rom, release, { baudRate: 921600, onProgress: (p) => progress.push(p) });

    expectWritten(rom, release);
    expect(result.chip).toMatch(/^ESP32/);
    expect(result.baudRate).toBe(921600);
    expect(result.regions.map((r) => [r.name, r.offset, r.size])).toEqual(release.map((i) => [i.name, i.offset, i.data.length]));

    const writes = progress.filter((p) => p.phase === "write").map((p) => p.percent);
    expect(writes.at(-1)).toBe(100);
    expect(writes).toEqual([...writes].sort((a, b) => a - b));
    expect(progress.filter((p) => p.phase === "verify").map((p) => p.region)).toEqual(["bootloader", "partitions", "app"]);

    const ops = rom.opNames();
    expect(ops).toContain("SYNC");
    expect(ops).toContain("READ_REG");
    expect(ops.filter((op) => op === "FLASH_DEFL_BEGIN")).toHaveLength(3);
    expect(ops.filter((op) => op === "SPI_FLASH_MD5")).toHaveLength(3);
    expect(ops.some((op) => op.startsWith("MEM_"))).toBe(false); // no stub uploaded
    const begins = rom.commands.filter((c) => c.name === "FLASH_DEFL_BEGIN").map((c) => c.words[3]);
    expect(begins).toEqual([0x1000, 0x8000, 0x10000]);
    expect(rom.baudRates).toEqual([921600]);
    expect(rom.spiParams?.[1]).toBe(4 * 1024 * 1024);
    expect(rom.boots.at(-1)).toBe("app"); // hard reset with IO0 high: boots Espruino
  });

  it("writes uncompressed with FLASH_BEGIN/FLASH_DATA when asked", async () => {
    const rom = new FakeEsp32Rom();
    const release = images();
    await flashEspruino(rom, release, { compress: false });
    expectWritten(rom, release);
    const ops = rom.opNames();
    expect(ops.filter((op) => op === "FLASH_BEGIN")).toHaveLength(3);
    expect(ops).toContain("FLASH_DATA");
    expect(ops).not.toContain("FLASH_DEFL_DATA");
    expect(ops).not.toContain("CHANGE_BAUDRATE");
  });

  it.skipIf(socat === null)(`works through node-serialport on a real pty (socat), a board without modem lines put in its bootloader by hand${socat === null ? " (SKIPPED: socat is not on PATH)" : ""}`, async () => {
    const rom = new FakeEsp32Rom({ bootHeld: true, anyBaud: true });
    const release = images();
    const dir = mkdtempSync(path.join(os.tmpdir(), "ts-flash-pty-"));
    const pty = await fakeRomOnPty(rom, socat!, dir);
    try {
      await flashEspruino(serialPortLink(pty.path), release, { baudRate: 460800 });
    } finally {
      await pty.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    expectWritten(rom, release);
    expect(rom.baudRates).toEqual([460800]);
  });

  it("fails verification, naming the region, when a block lands damaged in flash", async () => {
    const rom = new FakeEsp32Rom({ corruptFlashAt: 0x10000 + 70_000 });
    const error = await flashEspruino(rom, images()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlashError);
    expect((error as Error).message).toMatch(/verification failed: the app at 0x10000 \(150001 bytes from app\.bin\) reads back with MD5 [0-9a-f]{32}, expected [0-9a-f]{32}/);
    expect(rom.boots.at(-1)).toBe("download"); // not reset into a damaged firmware
  });

  it("fails clearly, naming the region, when the chip answers a bad-checksum status", async () => {
    const rom = new FakeEsp32Rom({ badChecksum: { write: 1, seq: 0 } });
    const error = await flashEspruino(rom, images()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlashError);
    expect((error as Error).message).toBe("writing the partitions at 0x8000 failed: the chip saw a bad checksum (data damaged on the cable?)");
    // esptool-js retried the block before giving up
    expect(rom.commands.filter((c) => c.name === "FLASH_DEFL_DATA" && c.words[1] === 0).length).toBeGreaterThanOrEqual(4);
  });

  it("says how to reach the bootloader when the board never enters it", async () => {
    const rom = new FakeEsp32Rom({ ignoreReset: true });
    const error = await flashEspruino(rom, images()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as Error).message).toMatch(/no ESP32 bootloader answered on fake-esp32 .*hold BOOT/);
    expect(rom.commands).toEqual([]);
  });
});
