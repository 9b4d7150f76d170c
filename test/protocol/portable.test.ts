/**
 * The protocol codec as the token runs it: bundled to ES5 for Espruino and run in an
 * Espruino-like context (no hoisting, no Map/Set/...). Its lines must be byte-identical to the
 * Node build's, and its decoder must agree on good and bad lines.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { findEs5Problems, runLikeEspruino } from "../../tools/build/es5-check.js";
import { bundleForEspruino } from "../../tools/build/espruino-bundle.js";
import { Frame, addField, decodeFrame, encodeFrame, newFrame } from "../../shared/protocol/frame.js";
import { frameArb, oracleCrc, withCrc } from "./helpers.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

interface Codec {
  newFrame: typeof newFrame;
  addField: typeof addField;
  encodeFrame: typeof encodeFrame;
  decodeFrame: typeof decodeFrame;
}

/** Results from the vm realm as plain data, so they compare with Node's. */
const plain = (value: unknown) => JSON.parse(JSON.stringify(value));

let codec: Codec;
let bundleCode: string;

beforeAll(() => {
  const bundle = bundleForEspruino(path.join(root, "test/protocol/fixtures/protocol-entry.ts"), "P", root);
  bundleCode = bundle.code;
  codec = runLikeEspruino(bundle.code).P as Codec;
});

/** The same frame, built inside the Espruino-like context. */
function inBundle(frame: Frame): Frame {
  const copy = codec.newFrame(frame.toToken, frame.seq, frame.verb);
  for (let i = 0; i < frame.keys.length; i++) codec.addField(copy, frame.keys[i], frame.values[i]);
  return copy;
}

describe("protocol codec in the Espruino bundle", () => {
  it("passes the ES5 checks and holds only the codec's modules", () => {
    expect(findEs5Problems(bundleCode)).toEqual([]);
    expect(bundleCode).not.toMatch(/\brequire\(|\bexports\./);
  });

  it("encodes byte-identical lines, with the portable CRC and with a native one passed in", () => {
    const native = (text: string) => oracleCrc(text) | 0;
    fc.assert(
      fc.property(frameArb, (frame) => {
        const line = encodeFrame(frame, null);
        expect(codec.encodeFrame(inBundle(frame), null)).toBe(line);
        expect(codec.encodeFrame(inBundle(frame), native)).toBe(line);
      }),
      { numRuns: 200 },
    );
  });

  it("throws the same string on an invalid frame", () => {
    const bad = newFrame(true, 70000, "HELLO");
    expect(() => codec.encodeFrame(inBundle(bad), null)).toThrow("tokensmith: invalid seq 70000");
  });

  const lines = [
    ">7 VERIFY nonce=00112233445566778899aabbccddeeff *7d632832",
    withCrc("<0 ERR code=bad_frame message=bad%20CRC "),
    withCrc(">65535 PROVISION serial=T-001 p1_label=Bob%27s%20key%FF "),
    withCrc(">1 HELLO ") + "\r",
    "",
    "\u0010>1 HELLO *00000000",
    ">1 HELLO *00000000",
    ">1 HELLO 00000000",
    withCrc(">007 HELLO "),
    withCrc(">65536 HELLO "),
    withCrc(">1HELLO "),
    withCrc(">1 hello "),
    withCrc(">1 TIME_SET time=1 time=2 "),
    withCrc(">1 X label=%2c "),
    withCrc(">1 X label=a b "),
    withCrc(">1 X v=" + "a".repeat(2100) + " "),
    "\u00ff\u0000garbage\u0080",
  ];

  it.each(lines.map((line) => [JSON.stringify(line.slice(0, 60)), line]))("decodes %s as Node does", (_shown, line) => {
    expect(plain(codec.decodeFrame(line, null))).toEqual(plain(decodeFrame(line, null)));
  });

  it("decodes mutated frames as Node does", () => {
    fc.assert(
      fc.property(frameArb, fc.nat(), fc.integer({ min: 0, max: 255 }), (frame, at, byte) => {
        const line = encodeFrame(frame, null).slice(0, -1);
        const i = at % line.length;
        const mutated = withCrc((line.slice(0, i) + String.fromCharCode(byte) + line.slice(i + 1)).slice(0, -9));
        expect(plain(codec.decodeFrame(mutated, null))).toEqual(plain(decodeFrame(mutated, null)));
      }),
      { numRuns: 200 },
    );
  });
});
