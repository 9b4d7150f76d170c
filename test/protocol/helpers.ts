/**
 * Shared by the protocol tests: an independent CRC-32 (node:zlib, or a table when this Node
 * lacks zlib.crc32), lines with a correct CRC around hand-written bodies, and generators.
 */
import zlib from "node:zlib";
import fc from "fast-check";
import { Frame, addField, newFrame } from "../../shared/protocol/frame.js";

const CRC_TABLE: number[] = [];
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  CRC_TABLE.push(c >>> 0);
}

/** CRC-32 of a latin1 string as an unsigned number, from zlib when Node has it. */
export function oracleCrc(text: string): number {
  const bytes = Buffer.from(text, "latin1");
  const native = (zlib as unknown as { crc32?: (data: Buffer) => number }).crc32;
  if (typeof native === "function") return native(bytes);
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export const oracleCrcHex = (text: string) => oracleCrc(text).toString(16).padStart(8, "0");

/** A line (no "\n") from everything up to and including the space before '*'. */
export const withCrc = (covered: string) => covered + "*" + oracleCrcHex(covered);

const chars = (alphabet: string, min: number, max: number) =>
  fc.array(fc.constantFrom(...alphabet.split("")), { minLength: min, maxLength: max }).map((a) => a.join(""));

export const verbArb = chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ_", 1, 16);
export const keyArb = chars("abcdefghijklmnopqrstuvwxyz0123456789_", 1, 24);
/** Any bytes 0..255, as a latin1 string. */
export const bytesArb = (maxLength: number) =>
  fc.uint8Array({ maxLength }).map((a) => Buffer.from(a).toString("latin1"));

export const frameArb: fc.Arbitrary<Frame> = fc
  .record({
    toToken: fc.boolean(),
    seq: fc.integer({ min: 0, max: 65535 }),
    verb: verbArb,
    fields: fc.uniqueArray(fc.tuple(keyArb, bytesArb(40)), { maxLength: 8, selector: (f) => f[0] }),
  })
  .map((r) => {
    const frame = newFrame(r.toToken, r.seq, r.verb);
    for (const [key, value] of r.fields) addField(frame, key, value);
    return frame;
  });
