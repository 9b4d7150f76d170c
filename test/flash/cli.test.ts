/**
 * `tokensmith flash-espruino`: a release archive (.tgz, .zip, folder, or separate files) is
 * read and checked before anything is sent; then written through a real pty (socat) to the
 * fake ROM, a board put in its bootloader by hand (a pty has no DTR/RTS to reset it with).
 * Archives are made by the system's `tar` and `zip`. Bad input exits 2 with a clear message and
 * not one byte sent to the board.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../host/cli/main.js";
import { socatPath } from "../cli/support.js";
import { FakeEsp32Rom, fakeRomOnPty } from "./fake-rom.js";
import { espImage, partitionTable, releaseTgz, syntheticRelease, systemArchive } from "./helpers.js";

const socat = socatPath();
const inCi = process.env.CI === "true";
if (socat === null && inCi) throw new Error("socat is not on PATH, and CI=true requires it (apt-get install socat)");

const dir = mkdtempSync(path.join(os.tmpdir(), "tokensmith-flash-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, data: Uint8Array) => {
  const full = path.join(dir, name);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, data);
  return full;
};

let rom: FakeEsp32Rom;
let pty: { path: string; stop(): Promise<void> } | undefined;
let stdout: string;
let stderr: string;

/** A fresh board, in its bootloader, at the far end of a new pty. */
async function newBoard(options: ConstructorParameters<typeof FakeEsp32Rom>[0] = {}): Promise<void> {
  await pty?.stop();
  rom = new FakeEsp32Rom({ ...options, bootHeld: !options.ignoreReset, anyBaud: true });
  pty = await fakeRomOnPty(rom, socat!, mkdtempSync(path.join(dir, "pty-")));
}

beforeEach(async () => {
  stdout = "";
  stderr = "";
  await newBoard();
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => ((stderr += String(chunk)), true));
});
afterEach(async () => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
  await pty?.stop();
  pty = undefined;
});

async function run(...args: string[]): Promise<number> {
  process.exitCode = undefined;
  await main(["node", "tokensmith", "flash-espruino", "--port", pty!.path, ...args]);
  return Number(process.exitCode ?? 0);
}

function expectAt(offset: number, data: Uint8Array): void {
  expect(Buffer.from(rom.flash.subarray(offset, offset + data.length)).equals(Buffer.from(data))).toBe(true);
}

describe.skipIf(socat === null)(`tokensmith flash-espruino over a pty${socat === null ? " (SKIPPED: socat is not on PATH)" : ""}`, () => {
  it("flashes the release .tgz over the serial port, with progress, and prints the verified regions as JSON", async () => {
    const parts = syntheticRelease();
    const code = await run(file("espruino_2v99_esp32.tgz", releaseTgz(parts)), "--json");
    expect(stderr.match(/unexpected|error/i)).toBeNull();
    expect(code).toBe(0);
    expectAt(0x1000, parts.bootloader);
    expectAt(0x8000, parts.partitions);
    expectAt(0x10000, parts.app);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ port: pty!.path, verified: true, baudRate: 921600 });
    expect(result.regions.map((r: { name: string; offset: string }) => `${r.name}@${r.offset}`)).toEqual(["bootloader@0x1000", "partitions@0x8000", "app@0x10000"]);
    const percents = stderr
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line).progress)
      .filter((p) => p.phase === "write")
      .map((p) => p.percent);
    expect(percents.at(-1)).toBe(100);
  });

  it("takes a .zip, an unpacked folder, or separate files with offsets", async () => {
    const parts = syntheticRelease();
    const zipped = file("release.zip", systemArchive("zip", { "espruino_2v99_esp32/bootloader.bin": parts.bootloader, "espruino_2v99_esp32/partitions_espruino.bin": parts.partitions, "espruino_2v99_esp32/espruino_esp32.bin": parts.app }));
    expect(await run(zipped, "--baud", "115200")).toBe(0);
    expectAt(0x10000, parts.app);
    expect(stdout).toMatch(/verified/);

    await newBoard();
    const folder = path.join(dir, "unpacked");
    file("unpacked/bootloader.bin", parts.bootloader);
    file("unpacked/partitions_espruino.bin", parts.partitions);
    file("unpacked/espruino_esp32.bin", parts.app);
    expect(await run(folder, "--baud", "115200")).toBe(0);
    expectAt(0x1000, parts.bootloader);

    await newBoard();
    const table = partitionTable([{ type: 0, subtype: 0, offset: 0x20000, size: 0x100000, label: "factory" }]);
    const code = await run("--bootloader", file("b.bin", parts.bootloader), "--partitions", `${file("p.bin", table)}@0x8000`, "--app", `${file("a.bin", parts.app)}@0x20000`, "--baud", "115200");
    expect(code).toBe(0);
    expectAt(0x20000, parts.app);
    expectAt(0x8000, table);
  });

  const badInputs: [string, () => string[], RegExp][] = [
    ["a missing file", () => [path.join(dir, "nope.tgz")], /nope\.tgz does not exist/],
    ["a missing --app file", () => [path.join(dir, "unpacked"), "--app", path.join(dir, "missing.bin")], /--app: .*missing\.bin does not exist/],
    ["an app without the ESP image magic", () => ["--bootloader", file("b2.bin", espImage(5000)), "--partitions", file("p2.bin", partitionTable()), "--app", file("a2.bin", new Uint8Array(5000).fill(0x41))], /the app \(.*a2\.bin\) is not an ESP32 image: it starts with 0x41, not 0xe9/],
    ["a partition table without its magic", () => ["--bootloader", file("b3.bin", espImage(5000)), "--partitions", file("p3.bin", espImage(3072)), "--app", file("a3.bin", espImage(5000))], /is not a partition table: it does not start with the entry magic 0x50 0xAA/],
    ["overlapping regions", () => ["--bootloader", file("b4.bin", espImage(0x7800)), "--partitions", file("p4.bin", partitionTable()), "--app", file("a4.bin", espImage(5000))], /the bootloader \(0x1000-0x8800\) overlaps the partitions at 0x8000/],
    ["an app where the table has no app partition", () => ["--bootloader", file("b5.bin", espImage(5000)), "--partitions", file("p5.bin", partitionTable()), "--app", `${file("a5.bin", espImage(5000))}@0x200000`], /no app partition at 0x200000/],
    ["an archive without the app", () => [file("noapp.tgz", releaseTgz({ ...syntheticRelease(), app: undefined }))], /noapp\.tgz has no espruino_esp32\.bin \(the app\)/],
    ["a file that is no archive", () => [file("notes.txt", new TextEncoder().encode("hello"))], /is not a release archive/],
    ["a bad --baud", () => [path.join(dir, "unpacked"), "--baud", "fast"], /--baud must be a whole number/],
  ];
  for (const [what, args, message] of badInputs) {
    it(`exits 2 with nothing sent for ${what}`, async () => {
      // the folder used by some cases
      const parts = syntheticRelease(5000, 5000);
      file("unpacked/bootloader.bin", parts.bootloader);
      file("unpacked/partitions_espruino.bin", parts.partitions);
      file("unpacked/espruino_esp32.bin", parts.app);
      const code = await run(...args());
      expect(stderr).toMatch(message);
      expect(stderr).not.toMatch(/unexpected error/);
      expect(code).toBe(2);
      expect(rom.bytesHeard).toBe(0);
      expect(rom.commands).toEqual([]);
    });
  }

  it("exits 1 naming the region when verification fails or the chip reports a bad checksum", async () => {
    const parts = syntheticRelease();
    const release = file("ok.tgz", releaseTgz(parts));
    await newBoard({ corruptFlashAt: 0x1000 + 100 });
    expect(await run(release, "--baud", "115200")).toBe(1);
    expect(stderr).toMatch(/tokensmith: verification failed: the bootloader at 0x1000 .*reads back with MD5/);

    await newBoard({ badChecksum: { write: 2, seq: 3 } });
    stderr = "";
    expect(await run(release, "--baud", "115200")).toBe(1);
    expect(stderr).toMatch(/tokensmith: writing the app at 0x10000 failed: the chip saw a bad checksum/);
  });
});
