/** Synthetic Espruino ESP32 release parts: valid headers, random payloads. */
import { createHash, randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export function espImage(size: number, segments = 3): Uint8Array {
  const image = new Uint8Array(randomBytes(size));
  image[0] = 0xe9;
  image[1] = segments;
  image[2] = 2; // dio
  image[3] = 0x20; // 4MB, 40 MHz
  return image;
}

export interface Partition {
  type: number;
  subtype: number;
  offset: number;
  size: number;
  label: string;
}

export const ESPRUINO_PARTITIONS: Partition[] = [
  { type: 1, subtype: 2, offset: 0x9000, size: 0x6000, label: "nvs" },
  { type: 1, subtype: 1, offset: 0xf000, size: 0x1000, label: "phy_init" },
  { type: 0, subtype: 0, offset: 0x10000, size: 0x1f0000, label: "factory" },
  { type: 1, subtype: 0x81, offset: 0x200000, size: 0x200000, label: "storage" },
];

export function partitionTable(entries: Partition[] = ESPRUINO_PARTITIONS, withMd5 = true): Uint8Array {
  const table = new Uint8Array(0xc00).fill(0xff);
  const view = new DataView(table.buffer);
  entries.forEach((entry, i) => {
    const at = i * 32;
    view.setUint16(at, 0xaa50, true);
    table[at + 2] = entry.type;
    table[at + 3] = entry.subtype;
    view.setUint32(at + 4, entry.offset, true);
    view.setUint32(at + 8, entry.size, true);
    table.fill(0, at + 12, at + 28);
    table.set(new TextEncoder().encode(entry.label), at + 12);
    view.setUint32(at + 28, 0, true);
  });
  if (withMd5) {
    const at = entries.length * 32;
    view.setUint16(at, 0xebeb, true);
    table.set(createHash("md5").update(table.subarray(0, at)).digest(), at + 16);
  }
  return table;
}

export type ArchiveKind = "tgz" | "tar-ustar" | "tar-gnu" | "tar-pax" | "zip" | "zip-stored";

/**
 * An archive of `files` (path -> bytes) made by the system's own `tar` (GNU tar: .tgz in its
 * default format, or a plain .tar in ustar, gnu or pax format) or Info-ZIP's `zip` (deflated,
 * or stored with -0): archives as an administrator's machine makes them, not by our hands.
 */
export function systemArchive(kind: ArchiveKind, files: Record<string, Uint8Array>): Uint8Array {
  const work = mkdtempSync(path.join(os.tmpdir(), "ts-archive-"));
  try {
    const tree = path.join(work, "tree");
    for (const [name, data] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(tree, name)), { recursive: true });
      writeFileSync(path.join(tree, name), data);
    }
    const out = path.join(work, "out");
    const roots = [...new Set(Object.keys(files).map((name) => name.split("/")[0]!))];
    const run = (command: string, args: string[]) => execFileSync(command, args, { cwd: tree, stdio: ["ignore", "ignore", "pipe"] });
    if (kind === "tgz") run("tar", ["-czf", out, ...roots]);
    else if (kind.startsWith("tar-")) run("tar", [`--format=${kind.slice(4)}`, "-cf", out, ...roots]);
    else run("zip", ["-q", "-r", ...(kind === "zip-stored" ? ["-0"] : []), out, ...roots]);
    return new Uint8Array(readFileSync(kind.startsWith("zip") ? out + ".zip" : out));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A synthetic Espruino ESP32 release: the three files, as Espruino names them. */
export function syntheticRelease(appSize = 150_001, bootloaderSize = 24_577) {
  return {
    bootloader: espImage(bootloaderSize),
    partitions: partitionTable(),
    app: espImage(appSize, 5),
  };
}

/** The release as the .tgz Espruino ships (a folder with the three files). */
export function releaseTgz(parts: Partial<ReturnType<typeof syntheticRelease>>, folder = "espruino_2v99_esp32"): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  if (parts.bootloader) files[`${folder}/bootloader.bin`] = parts.bootloader;
  if (parts.partitions) files[`${folder}/partitions_espruino.bin`] = parts.partitions;
  if (parts.app) files[`${folder}/espruino_esp32.bin`] = parts.app;
  files[`${folder}/README_flash.txt`] = new TextEncoder().encode("esptool.py ... write_flash 0x1000 bootloader.bin 0x8000 partitions_espruino.bin 0x10000 espruino_esp32.bin\n");
  return systemArchive("tgz", files);
}
