/** Synthetic Espruino ESP32 release parts: valid headers, random payloads. */
import { createHash, randomBytes } from "node:crypto";
import { deflateRawSync, gzipSync } from "node:zlib";

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

/** A ustar archive of `files` (path -> bytes). */
export function tar(files: Record<string, Uint8Array>): Uint8Array {
  const parts: Buffer[] = [];
  for (const [name, data] of Object.entries(files)) {
    const header = Buffer.alloc(512);
    header.write(name, 0, 100, "utf8");
    header.write("0000644\0", 100);
    header.write("0000000\0", 108);
    header.write("0000000\0", 116);
    header.write(data.length.toString(8).padStart(11, "0") + "\0", 124);
    header.write("00000000000\0", 136);
    header.write("        ", 148);
    header.write("0", 156);
    header.write("ustar\0", 257);
    header.write("00", 263);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
    parts.push(header, Buffer.from(data), Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return new Uint8Array(Buffer.concat(parts));
}

/** A zip archive of `files`, deflated. */
export function zip(files: Record<string, Uint8Array>): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(files)) {
    const nameBytes = Buffer.from(name, "utf8");
    const packed = deflateRawSync(data);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, directory, end]));
}

function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
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
  return new Uint8Array(gzipSync(tar(files)));
}
