/**
 * An Espruino ESP32 release, ready to write: bootloader, partition table and firmware, each
 * with its flash offset, checked before anything is sent to a board.
 *
 * Accepted: the release archive (.tgz/.tar.gz/.tar or .zip), the unpacked release folder, or the three files given separately. The
 * classic ESP32 layout Espruino's flash instructions use:
 *   0x1000  bootloader.bin            (the second-stage bootloader; the ESP32 ROM loads it from 0x1000)
 *   0x8000  partitions_espruino.bin   (the partition table)
 *   0x10000 espruino_esp32.bin        (the Espruino firmware)
 */
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { Parser as TarParser } from "tar";
import { unzipSync } from "fflate";
import { ReleaseError } from "../errors.js";
export { ReleaseError };

export type RegionName = "bootloader" | "partitions" | "app";

export interface FlashImage {
  name: RegionName;
  /** Where the bytes came from, for messages. */
  source: string;
  offset: number;
  data: Uint8Array;
}

export const FLASH_SECTOR = 0x1000;
/** Espruino's ESP32 builds need a 4 MB flash. */
export const DEFAULT_FLASH_SIZE = 4 * 1024 * 1024;

export const ESPRUINO_ESP32_LAYOUT: Record<RegionName, { file: string; offset: number }> = {
  bootloader: { file: "bootloader.bin", offset: 0x1000 },
  partitions: { file: "partitions_espruino.bin", offset: 0x8000 },
  app: { file: "espruino_esp32.bin", offset: 0x10000 },
};

const REGION_ORDER: RegionName[] = ["bootloader", "partitions", "app"];

export const ESP_IMAGE_MAGIC = 0xe9;
const PARTITION_MAGIC = 0xaa50;
const PARTITION_MD5_MAGIC = 0xebeb;
const PARTITION_TABLE_MAX = 0xc00;

/** `FILE` or `FILE@0xOFFSET`. */
export function parseFileAt(text: string, region: RegionName): { file: string; offset: number } {
  const match = /^(.*)@(0x[0-9a-f]+|\d+)$/i.exec(text);
  if (!match) return { file: text, offset: ESPRUINO_ESP32_LAYOUT[region].offset };
  const offset = Number(match[2]);
  if (!Number.isSafeInteger(offset)) throw new ReleaseError(`--${region}: "${match[2]}" is not an offset`);
  return { file: match[1]!, offset };
}

export interface ReleaseSources {
  /** The release archive or unpacked folder. */
  release?: string;
  bootloader?: string;
  partitions?: string;
  app?: string;
  flashSize?: number;
}

/** Reads and checks a release; throws ReleaseError (nothing flashed) on any problem. */
export function loadRelease(sources: ReleaseSources): FlashImage[] {
  const fromRelease = sources.release ? readReleaseFiles(sources.release) : undefined;
  const images: FlashImage[] = [];
  for (const name of REGION_ORDER) {
    const given = sources[name];
    if (given !== undefined) {
      const { file, offset } = parseFileAt(given, name);
      images.push({ name, source: file, offset, data: readFile(file, `--${name}`) });
    } else if (fromRelease?.[name]) {
      images.push({ name, ...fromRelease[name]!, offset: ESPRUINO_ESP32_LAYOUT[name].offset });
    } else if (sources.release) {
      throw new ReleaseError(`${sources.release} has no ${ESPRUINO_ESP32_LAYOUT[name].file} (the ${name}): is it an Espruino ESP32 release? Or give it with --${name} FILE`);
    } else {
      throw new ReleaseError(`no ${name}: give the release archive, or --${name} FILE[@OFFSET] (${ESPRUINO_ESP32_LAYOUT[name].file} at 0x${ESPRUINO_ESP32_LAYOUT[name].offset.toString(16)})`);
    }
  }
  checkImages(images, sources.flashSize ?? DEFAULT_FLASH_SIZE);
  return images;
}

function readFile(file: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new ReleaseError(`${what}: ${file} does not exist`);
    if (code === "EISDIR") throw new ReleaseError(`${what}: ${file} is a folder, not a file`);
    throw new ReleaseError(`${what}: cannot read ${file}: ${(error as Error).message}`);
  }
}

/** The release's three files, from an archive or a folder. */
function readReleaseFiles(release: string): Partial<Record<RegionName, { source: string; data: Uint8Array }>> {
  let entries: Map<string, Uint8Array>;
  let isFolder = false;
  try {
    isFolder = statSync(release).isDirectory();
  } catch {
    throw new ReleaseError(`${release} does not exist`);
  }
  if (isFolder) {
    entries = new Map();
    for (const name of REGION_ORDER) {
      const file = path.join(release, ESPRUINO_ESP32_LAYOUT[name].file);
      try {
        entries.set(ESPRUINO_ESP32_LAYOUT[name].file, new Uint8Array(readFileSync(file)));
      } catch {
        // reported below as missing
      }
    }
  } else {
    const names = new Set(REGION_ORDER.map((name) => ESPRUINO_ESP32_LAYOUT[name].file));
    entries = readArchive(release, readFile(release, "release"), (fileName) => names.has(fileName));
  }
  const found: Partial<Record<RegionName, { source: string; data: Uint8Array }>> = {};
  for (const name of REGION_ORDER) {
    const wanted = ESPRUINO_ESP32_LAYOUT[name].file;
    let candidates = [...entries.keys()].filter((entry) => path.posix.basename(entry) === wanted);
    if (candidates.length > 1) {
      // A combined archive may hold several ESP32 variants; the classic ESP32 folder is the
      // one whose name says esp32 and not esp32c3/s2/s3/...
      const classic = candidates.filter((entry) => /esp32(?![a-z0-9])/i.test(path.posix.dirname(entry)));
      if (classic.length === 1) candidates = classic;
      else throw new ReleaseError(`${release} holds several ${wanted} (${candidates.join(", ")}): give the one to use with --${name}`);
    }
    if (candidates.length === 1) found[name] = { source: `${release}:${candidates[0]}`, data: entries.get(candidates[0]!)! };
  }
  return found;
}

/**
 * The release's files in a .zip (fflate) or a tar, gzipped or not (node-tar: ustar, GNU long
 * names and pax headers), by path. Only entries whose file name is one `wanted` are kept, so a
 * big archive (Espruino's combined ones hold every board) costs no more memory than the three.
 */
export function readArchive(name: string, bytes: Uint8Array, wanted: (fileName: string) => boolean = () => true): Map<string, Uint8Array> {
  const isZip = bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
  const isGzip = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  const isTar = bytes.length >= 512 && Buffer.from(bytes.buffer, bytes.byteOffset + 257, 5).toString("latin1") === "ustar";
  if (!isZip && !isGzip && !isTar) throw new ReleaseError(`${name} is not a release archive (.tgz, .tar or .zip) or folder`);
  try {
    return isZip ? readZip(bytes, wanted) : readTar(bytes, wanted);
  } catch (error) {
    throw new ReleaseError(`${name} is damaged: ${(error as Error).message}`);
  }
}

function readTar(bytes: Uint8Array, wanted: (fileName: string) => boolean): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  let failure: Error | undefined;
  // strict: a truncated or garbled archive is an error, not a warning. With the whole archive
  // in one write, node-tar parses (and gunzips) synchronously: every entry is read on return.
  const parser = new TarParser({
    strict: true,
    onReadEntry(entry) {
      const entryName = entry.path.replace(/^\.\//, "");
      if (entry.type !== "File" || !wanted(path.posix.basename(entryName))) return entry.resume();
      const chunks: Buffer[] = [];
      entry.on("data", (chunk: Buffer) => chunks.push(chunk));
      entry.on("end", () => files.set(entryName, new Uint8Array(Buffer.concat(chunks))));
    },
  });
  parser.on("error", (error: Error) => (failure ??= error));
  parser.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  if (failure) throw failure;
  return files;
}

function readZip(bytes: Uint8Array, wanted: (fileName: string) => boolean): Map<string, Uint8Array> {
  const entries = unzipSync(bytes, { filter: (file) => !file.name.endsWith("/") && wanted(path.posix.basename(file.name)) });
  return new Map(Object.entries(entries));
}

/** Image magic, partition table shape, alignment, fit and overlaps. */
export function checkImages(images: FlashImage[], flashSize: number): void {
  for (const image of images) {
    const where = `the ${image.name} (${image.source})`;
    if (image.data.length === 0) throw new ReleaseError(`${where} is empty`);
    if (image.offset % FLASH_SECTOR !== 0) throw new ReleaseError(`${where}: offset 0x${image.offset.toString(16)} is not on a 4 KB flash sector boundary`);
    if (image.offset + image.data.length > flashSize) {
      throw new ReleaseError(`${where} (${image.data.length} bytes at 0x${image.offset.toString(16)}) does not fit in ${flashSize / 1048576} MB of flash`);
    }
    if (image.name === "partitions") checkPartitionTable(image, where);
    else if (image.data[0] !== ESP_IMAGE_MAGIC) {
      throw new ReleaseError(`${where} is not an ESP32 image: it starts with 0x${(image.data[0] ?? 0).toString(16).padStart(2, "0")}, not 0xe9`);
    } else if (image.data.length < 24 || image.data[1]! < 1 || image.data[1]! > 16) {
      throw new ReleaseError(`${where} is not an ESP32 image: bad header (${image.data[1]} segments)`);
    }
  }
  // Flash is erased a 4 KB sector at a time, so regions must not share a sector either.
  const sorted = [...images].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const before = sorted[i - 1]!;
    const after = sorted[i]!;
    const end = Math.ceil((before.offset + before.data.length) / FLASH_SECTOR) * FLASH_SECTOR;
    if (end > after.offset) {
      throw new ReleaseError(
        `the ${before.name} (0x${before.offset.toString(16)}-0x${(before.offset + before.data.length).toString(16)}) overlaps the ${after.name} at 0x${after.offset.toString(16)}`,
      );
    }
  }
  // The firmware must start where the partition table puts an app partition.
  const table = images.find((image) => image.name === "partitions");
  const app = images.find((image) => image.name === "app");
  if (table && app) {
    const apps = partitionEntries(table.data).filter((entry) => entry.type === 0);
    const home = apps.find((entry) => entry.offset === app.offset);
    if (!home) {
      throw new ReleaseError(
        `the partition table has no app partition at 0x${app.offset.toString(16)}, where the app would go (app partitions: ${apps.map((entry) => `${entry.label}@0x${entry.offset.toString(16)}`).join(", ") || "none"})`,
      );
    }
    if (app.data.length > home.size) throw new ReleaseError(`the app (${app.data.length} bytes) is bigger than its partition ${home.label} (${home.size} bytes)`);
  }
}

export interface PartitionEntry {
  type: number;
  subtype: number;
  offset: number;
  size: number;
  label: string;
}

export function partitionEntries(table: Uint8Array): PartitionEntry[] {
  const view = new DataView(table.buffer, table.byteOffset, table.byteLength);
  const entries: PartitionEntry[] = [];
  for (let at = 0; at + 32 <= table.length; at += 32) {
    if (view.getUint16(at, true) !== PARTITION_MAGIC) break;
    entries.push({
      type: table[at + 2]!,
      subtype: table[at + 3]!,
      offset: view.getUint32(at + 4, true),
      size: view.getUint32(at + 8, true),
      label: Buffer.from(table.subarray(at + 12, at + 28)).toString("latin1").replace(/\0.*$/s, ""),
    });
  }
  return entries;
}

function checkPartitionTable(image: FlashImage, where: string): void {
  const table = image.data;
  if (table.length > PARTITION_TABLE_MAX) throw new ReleaseError(`${where} is ${table.length} bytes: a partition table is at most ${PARTITION_TABLE_MAX}`);
  const view = new DataView(table.buffer, table.byteOffset, table.byteLength);
  if (table.length < 32 || view.getUint16(0, true) !== PARTITION_MAGIC) {
    throw new ReleaseError(`${where} is not a partition table: it does not start with the entry magic 0x50 0xAA`);
  }
  const entries = partitionEntries(table);
  const after = entries.length * 32;
  if (after + 2 <= table.length) {
    const next = view.getUint16(after, true);
    if (next === PARTITION_MD5_MAGIC) {
      const md5 = Buffer.from(table.subarray(after + 16, after + 32)).toString("hex");
      const actual = createHash("md5").update(table.subarray(0, after)).digest("hex");
      if (md5 !== actual) throw new ReleaseError(`${where} is damaged: its MD5 entry does not match its entries`);
    } else if (next !== 0xffff) {
      throw new ReleaseError(`${where} is damaged: entry ${entries.length + 1} has magic 0x${next.toString(16)}`);
    }
  }
  if (!entries.some((entry) => entry.type === 0)) throw new ReleaseError(`${where} has no app partition`);
}
