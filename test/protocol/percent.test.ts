/** shared/protocol/percent.ts: the canonical percent-encoding of field values. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeValue, describeBadValue, encodeValue } from "../../shared/protocol/percent.js";
import { bytesArb } from "./helpers.js";

const RAW = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:/,-";

describe("encodeValue", () => {
  it("leaves exactly the spec's raw characters alone", () => {
    expect(encodeValue(RAW)).toBe(RAW);
    for (let b = 0; b < 256; b++) {
      const c = String.fromCharCode(b);
      const hex = b.toString(16).toUpperCase().padStart(2, "0");
      expect(encodeValue(c)).toBe(RAW.includes(c) ? c : "%" + hex);
    }
  });

  it("escapes %, =, space and controls", () => {
    expect(encodeValue("a b=%\u0000\u00ff")).toBe("a%20b%3D%25%00%FF");
    expect(encodeValue("")).toBe("");
  });

  it("refuses characters above 255", () => {
    expect(() => encodeValue("caf\u00e9\u20ac")).toThrow(/^tokensmith: a field value holds bytes 0-255, not byte 8364 at position 5/);
  });
});

describe("decodeValue", () => {
  it("round-trips any bytes, and encoding is printable ASCII without space", () => {
    fc.assert(
      fc.property(bytesArb(200), (text) => {
        const wire = encodeValue(text);
        expect(decodeValue(wire)).toBe(text);
        for (let i = 0; i < wire.length; i++) {
          const c = wire.charCodeAt(i);
          expect(c > 32 && c < 127).toBe(true);
        }
      }),
    );
  });

  it("accepts only canonical input: whatever it accepts re-encodes to the same bytes", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(..."%AaFf09zZ-. =*\u0000\u00ff".split("")), maxLength: 12 }), (wire) => {
        const value = decodeValue(wire);
        if (value !== null) expect(encodeValue(value)).toBe(wire);
        expect(describeBadValue(wire) === "").toBe(value !== null);
      }),
    );
  });

  it.each([
    ["%", "bad percent escape at position 1"],
    ["ab%4", "bad percent escape at position 3"],
    ["%zz", "bad percent escape at position 1"],
    ["%2f%3d", "bad percent escape at position 1"],
    ["a%41", "bad percent escape at position 2"],
    ["a b", "byte 32 at position 2 must be percent-encoded"],
    ["a=b", "'=' at position 2 must be percent-encoded"],
    ["\u00e9", "byte 233 at position 1 must be percent-encoded"],
  ])("refuses %j", (wire, message) => {
    expect(decodeValue(wire)).toBeNull();
    expect(describeBadValue(wire)).toContain(message);
  });
});
