/**
 * Reading Espruino releases from archives the system's own `tar` and `zip` make: every tar
 * format GNU tar writes (ustar with its name prefix, GNU long names, pax headers), gzipped or
 * not, and zip deflated or stored; the classic ESP32 folder picked out of a combined archive;
 * damaged archives refused with a sentence, before anything is sent to a board.
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadRelease, ReleaseError } from "../../host/flash/release.js";
import { syntheticRelease, systemArchive, type ArchiveKind } from "./helpers.js";

function releaseFiles(folder: string, parts = syntheticRelease(5000, 5000)): Record<string, Uint8Array> {
  return {
    [`${folder}/bootloader.bin`]: parts.bootloader,
    [`${folder}/partitions_espruino.bin`]: parts.partitions,
    [`${folder}/espruino_esp32.bin`]: parts.app,
  };
}

function load(kind: ArchiveKind | "raw", bytes: Uint8Array, name = `release.${kind}`) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "ts-release-"));
  try {
    const file = path.join(dir, name);
    writeFileSync(file, bytes);
    return loadRelease({ release: file });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// 99 characters, then the file name: past ustar's 100-byte name field in every case; past its
// 155-byte prefix too when nested twice.
const LONG = "espruino_2v99_esp32_" + "x".repeat(79);

const cases: Array<[string, ArchiveKind, string]> = [
  ["a .tgz in GNU tar's default format", "tgz", "espruino_2v99_esp32"],
  ["a ustar .tar whose names need the prefix field", "tar-ustar", LONG],
  ["a GNU .tar with names past 155 bytes (././@LongLink)", "tar-gnu", `${LONG}/${LONG}`],
  ["a pax .tar with names past 155 bytes (path in a pax header)", "tar-pax", `${LONG}/${LONG}`],
  ["a deflated .zip", "zip", "espruino_2v99_esp32"],
  ["a stored .zip (zip -0)", "zip-stored", `${LONG}/${LONG}`],
];

describe("release archives made by the system's tar and zip", () => {
  for (const [what, kind, folder] of cases) {
    it(`reads ${what}`, () => {
      const files = releaseFiles(folder);
      const images = load(kind, systemArchive(kind, files));
      expect(images.map((image) => [image.name, image.offset, image.source.endsWith(`:${folder}/${path.posix.basename(image.source.split(":").pop()!)}`)])).toEqual([
        ["bootloader", 0x1000, true],
        ["partitions", 0x8000, true],
        ["app", 0x10000, true],
      ]);
      for (const image of images) {
        const original = Object.entries(files).find(([name]) => image.source.endsWith(`:${name}`))![1];
        expect(Buffer.from(image.data).equals(Buffer.from(original)), image.name).toBe(true);
      }
    });
  }

  it("picks the classic ESP32 folder out of a combined archive, and refuses to guess between two of them", () => {
    const esp32 = releaseFiles("espruino_2v99/espruino_2v99_esp32");
    const c3 = releaseFiles("espruino_2v99/espruino_2v99_esp32c3");
    const images = load("tgz", systemArchive("tgz", { ...c3, ...esp32 }));
    expect(Buffer.from(images[2]!.data).equals(Buffer.from(esp32["espruino_2v99/espruino_2v99_esp32/espruino_esp32.bin"]!))).toBe(true);
    const twice = { ...esp32, ...releaseFiles("espruino_2v98/espruino_2v98_esp32") };
    expect(() => load("zip", systemArchive("zip", twice))).toThrow(/holds several bootloader\.bin .*give the one to use with --bootloader/);
  });

  for (const kind of ["tgz", "tar-pax", "zip"] as const) {
    it(`refuses a truncated ${kind} as damaged (a ReleaseError: exit 2, nothing sent)`, () => {
      const whole = systemArchive(kind, releaseFiles("espruino_2v99_esp32", syntheticRelease(60_000, 5000)));
      const cut = whole.subarray(0, Math.floor(whole.length * 0.6));
      const error = (() => {
        try {
          load(kind, cut);
        } catch (caught) {
          return caught;
        }
        return null;
      })();
      expect(error).toBeInstanceOf(ReleaseError);
      expect((error as Error).message).toMatch(/release\.[a-z-]+ is damaged: /);
    });
  }

  it("refuses a file that is no archive, naming what it takes", () => {
    expect(() => load("raw", new TextEncoder().encode("hello"), "notes.txt")).toThrow(/notes\.txt is not a release archive \(\.tgz, \.tar or \.zip\) or folder/);
  });
});
