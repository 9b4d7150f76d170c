/** shared/protocol/frame.ts: encode/decode round trips, the CRC against zlib, and bad frames. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  Decoded, Frame, MAX_FRAME_BYTES, PROTOCOL_VERSION, addField, decodeFrame, encodeFrame, fieldValue, fieldsText, newFrame,
} from "../../shared/protocol/frame.js";
import { frameArb, oracleCrc, oracleCrcHex, withCrc } from "./helpers.js";

const plain = (frame: Frame) => ({ ...frame, keys: [...frame.keys], values: [...frame.values] });

function frame(toToken: boolean, seq: number, verb: string, fields: Array<[string, string]>): Frame {
  const f = newFrame(toToken, seq, verb);
  for (const [k, v] of fields) addField(f, k, v);
  return f;
}

/** Checks the invariants of any decodeFrame result. */
function checkShape(d: Decoded): void {
  expect(typeof d.message).toBe("string");
  expect(d.crcHex).toMatch(/^([0-9a-f]{8})?$/);
  if (d.error === "") {
    expect(d.frame).not.toBeNull();
    expect(d.message).toBe("");
  } else {
    expect(["bad_frame", "too_long"]).toContain(d.error);
    expect(d.frame).toBeNull();
    expect(d.message).not.toBe("");
  }
}

describe("constants", () => {
  it("match the spec", () => {
    expect(MAX_FRAME_BYTES).toBe(2048);
    expect(PROTOCOL_VERSION).toBe(2);
  });
});

describe("encodeFrame", () => {
  it("writes the spec's example, with the CRC zlib computes", () => {
    const f = frame(true, 7, "VERIFY", [["nonce", "00112233445566778899aabbccddeeff"]]);
    const covered = ">7 VERIFY nonce=00112233445566778899aabbccddeeff ";
    expect(encodeFrame(f, null)).toBe(covered + "*" + oracleCrcHex(covered) + "\n");
    expect(encodeFrame(f, null)).toBe(covered + "*7d632832\n");
  });

  it("writes answers and frames without fields", () => {
    expect(encodeFrame(newFrame(false, 0, "OK"), null)).toBe(withCrc("<0 OK ") + "\n");
    const err = frame(false, 65535, "ERR", [["code", "bad_frame"], ["message", "bad CRC"], ["empty", ""]]);
    expect(encodeFrame(err, null)).toBe(withCrc("<65535 ERR code=bad_frame message=bad%20CRC empty= ") + "\n");
  });

  it("uses the CRC function it is given (E.CRC32 on the token)", () => {
    const f = frame(true, 1, "TIME", []);
    expect(encodeFrame(f, (text) => oracleCrc(text) | 0)).toBe(encodeFrame(f, null));
    expect(encodeFrame(f, () => 0x12345678)).toBe(">1 TIME *12345678\n");
  });

  it("CRC is zlib's over every byte up to the space before '*'; lines are printable ASCII", () => {
    fc.assert(
      fc.property(frameArb, (f) => {
        const line = encodeFrame(f, null);
        expect(line.endsWith("\n")).toBe(true);
        const body = line.slice(0, -1);
        const star = body.length - 9;
        expect(body.slice(star - 1, star + 1)).toBe(" *");
        expect(body.slice(star + 1)).toBe(oracleCrcHex(body.slice(0, star)));
        expect([0x10, 0x03, 0x05]).not.toContain(line.charCodeAt(0));
        expect(["<", ">"]).toContain(line.charAt(0));
        for (let i = 0; i < body.length; i++) {
          const c = body.charCodeAt(i);
          expect(c >= 32 && c <= 126).toBe(true);
        }
        expect(line.length).toBeLessThanOrEqual(MAX_FRAME_BYTES);
      }),
    );
  });

  it.each([
    ["seq -1", frame(true, -1, "HELLO", []), "invalid seq -1"],
    ["seq 65536", frame(true, 65536, "HELLO", []), "invalid seq 65536"],
    ["seq 1.5", frame(true, 1.5, "HELLO", []), "invalid seq 1.5"],
    ["seq NaN", frame(true, NaN, "HELLO", []), "invalid seq NaN"],
    ["empty verb", frame(true, 1, "", []), "invalid verb ''"],
    ["lowercase verb", frame(true, 1, "hello", []), "invalid verb 'hello'"],
    ["17-character verb", frame(true, 1, "A".repeat(17), []), "invalid verb"],
    ["uppercase key", frame(true, 1, "X", [["Time", "1"]]), "invalid key 'Time'"],
    ["empty key", frame(true, 1, "X", [["", "1"]]), "invalid key ''"],
    ["25-character key", frame(true, 1, "X", [["k".repeat(25), "1"]]), "invalid key"],
    ["duplicate key", frame(true, 1, "X", [["a", "1"], ["a", "2"]]), "duplicate key 'a'"],
    ["over 2048 bytes", frame(true, 1, "X", [["v", "%".repeat(700)]]), "frame X is 2118 bytes, over the 2048 of MAX_FRAME_BYTES"],
  ])("refuses %s", (_what, f, message) => {
    expect(() => encodeFrame(f, null)).toThrow("tokensmith: " + message);
  });

  it("refuses keys and values of different lengths", () => {
    const f = newFrame(true, 1, "X");
    f.keys.push("a");
    expect(() => encodeFrame(f, null)).toThrow(/^tokensmith: frame X has 1 keys but 0 values/);
  });
});

describe("decodeFrame", () => {
  it("round-trips any frame, values of any bytes", () => {
    fc.assert(
      fc.property(frameArb, fc.boolean(), (f, crlf) => {
        const line = encodeFrame(f, null).slice(0, -1) + (crlf ? "\r" : "");
        const d = decodeFrame(line, null);
        expect(d.error).toBe("");
        expect(plain(d.frame!)).toEqual(plain(f));
        expect(d.crcHex).toBe(line.replace(/\r$/, "").slice(-8));
      }),
    );
  });

  it("reads fields and the example", () => {
    const d = decodeFrame(">7 VERIFY nonce=00112233445566778899aabbccddeeff *7d632832", null);
    expect(d).toEqual({
      frame: { toToken: true, seq: 7, verb: "VERIFY", keys: ["nonce"], values: ["00112233445566778899aabbccddeeff"] },
      error: "", message: "", crcHex: "7d632832",
    });
    expect(fieldValue(d.frame!, "nonce")).toBe("00112233445566778899aabbccddeeff");
    expect(fieldValue(d.frame!, "profile")).toBeNull();
    const answer = decodeFrame(withCrc("<0 OK empty= label=a%20b "), null);
    expect(plain(answer.frame!)).toEqual({ toToken: false, seq: 0, verb: "OK", keys: ["empty", "label"], values: ["", "a b"] });
  });

  it("uses the CRC function it is given", () => {
    expect(decodeFrame(">1 TIME *12345678", () => 0x12345678).error).toBe("");
    expect(decodeFrame(">1 TIME *12345678", () => -0x12345678).message).toBe("bad CRC");
  });

  const good = (covered: string) => withCrc(covered);
  const table: Array<[string, string, string, string]> = [
    ["empty line", "", "bad_frame", "empty line"],
    ["a lone \\r", "\r", "bad_frame", "empty line"],
    ["wrong direction character", good("#1 HELLO "), "bad_frame", "does not start with '>' or '<'"],
    ["REPL control byte", "\u0010" + good(">1 HELLO "), "bad_frame", "does not start with '>' or '<'"],
    ["missing '*'", ">1 HELLO 12345678", "bad_frame", "missing ' *' and CRC at the end"],
    ["no space before '*'", ">1 HELLO*12345678", "bad_frame", "missing ' *' and CRC at the end"],
    ["short CRC", ">1 HELLO *1234567", "bad_frame", "missing ' *' and CRC at the end"],
    ["uppercase CRC", (() => { const l = good(">1 HELLO "); return l.slice(0, -8) + l.slice(-8).toUpperCase(); })(), "bad_frame", "CRC is not 8 lowercase hex digits"],
    ["bad CRC", ">1 HELLO *00000000", "bad_frame", "bad CRC"],
    ["just '>' and a CRC", good("> "), "bad_frame", "missing sequence number"],
    ["missing sequence number", good("> HELLO "), "bad_frame", "missing sequence number"],
    ["missing space after seq", good(">1HELLO "), "bad_frame", "missing space after the sequence number"],
    ["seq 007", good(">007 HELLO "), "bad_frame", "sequence number has a leading zero"],
    ["seq 00", good(">00 HELLO "), "bad_frame", "sequence number has a leading zero"],
    ["seq 65536", good(">65536 HELLO "), "bad_frame", "sequence number over 65535"],
    ["seq of 30 digits", good(">" + "9".repeat(30) + " HELLO "), "bad_frame", "sequence number over 65535"],
    ["missing verb", good(">1 "), "bad_frame", "missing verb"],
    ["missing verb before a field", good(">1  a=1 "), "bad_frame", "missing verb"],
    ["lowercase verb", good(">1 hello "), "bad_frame", "verb has 'h' at position 4 (expected A-Z or _)"],
    ["verb with a digit", good(">1 HELLO2 "), "bad_frame", "verb has '2' at position 9"],
    ["17-character verb", good(">1 " + "A".repeat(17) + " "), "bad_frame", "verb longer than 16 characters"],
    ["two spaces", good(">1 TIME  a=1 "), "bad_frame", "field 1 is empty"],
    ["trailing space", good(">1 TIME a=1  "), "bad_frame", "field 2 is empty"],
    ["field without '='", good(">1 TIME a=1 b=2 c "), "bad_frame", "field 3 has no '='"],
    ["raw space in value", good(">1 TIME label=a b "), "bad_frame", "field 2 has no '='"],
    ["empty key", good(">1 TIME =1 "), "bad_frame", "field 1 has no key before '='"],
    ["uppercase key", good(">1 TIME Time=1 "), "bad_frame", "field 1: key has 'T' at position 9"],
    ["25-character key", good(">1 TIME " + "k".repeat(25) + "=1 "), "bad_frame", "field 1: key longer than 24 characters"],
    ["duplicate key", good(">1 TIME_SET time=1 auth=ab time=2 "), "bad_frame", "duplicate key 'time'"],
    ["bad percent escape", good(">1 X label=ab%4 "), "bad_frame", "value of 'label': bad percent escape at position 3"],
    ["lowercase percent escape", good(">1 X label=%2c "), "bad_frame", "value of 'label': bad percent escape at position 1"],
    ["needless percent escape", good(">1 X label=%41 "), "bad_frame", "value of 'label': bad percent escape at position 1"],
    ["raw '=' in value", good(">1 X a=b=c "), "bad_frame", "value of 'a': '=' at position 2 must be percent-encoded"],
    ["raw byte 200 in value", good(">1 X a=\u00c8 "), "bad_frame", "value of 'a': byte 200 at position 1 must be percent-encoded"],
    ["over 2048 bytes", good(">1 X v=" + "a".repeat(2100) + " "), "too_long", "frame is over 2048 bytes"],
  ];

  it.each(table)("%s", (_what, line, code, message) => {
    const d = decodeFrame(line, null);
    checkShape(d);
    expect(d.error).toBe(code);
    expect(d.message.startsWith(message), d.message).toBe(true);
  });

  it("reports the CRC as received once it is well formed, even when it is wrong", () => {
    expect(decodeFrame(">1 HELLO *0000abcd", null).crcHex).toBe("0000abcd");
    const dup = good(">1 X a=1 a=2 ");
    expect(decodeFrame(dup, null).crcHex).toBe(dup.slice(-8));
    expect(decodeFrame(">1 HELLO 0000abcd", null).crcHex).toBe("");
  });

  it("takes exactly 2048 bytes with the \\n (and a \\r on top), refuses 2049", () => {
    const sized = (total: number) => {
      const line = encodeFrame(frame(true, 1, "X", [["v", "a".repeat(total - 18)]]), null);
      expect(line.length).toBe(total);
      return line.slice(0, -1);
    };
    expect(decodeFrame(sized(2048), null).error).toBe("");
    expect(decodeFrame(sized(2048) + "\r", null).error).toBe("");
    const over = good(">1 X v=" + "a".repeat(2049 - 18) + " ");
    expect(over.length + 1).toBe(2049);
    expect(decodeFrame(over, null).error).toBe("too_long");
    expect(decodeFrame(over.slice(1), null).error).not.toBe("too_long");
    expect(() => sized(2049)).toThrow(/over the 2048/);
  });

  it("never throws on random strings (bytes, Unicode, frame-like)", () => {
    const frameLike = fc
      .tuple(fc.constantFrom(">", "<", ">1 ", "<0 OK ", ">65535 A a="), fc.string({ unit: fc.constantFrom(..."0123456789 =%AZaz_*\r".split("")), maxLength: 40 }))
      .map(([head, tail]) => head + tail);
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 300 }), frameLike, frameLike.map((covered) => withCrc(covered))), (line) => {
        const d = decodeFrame(line, null);
        checkShape(d);
        if (d.error === "") expect(encodeFrame(d.frame!, null)).toBe(line.replace(/\r$/, "") + "\n");
      }),
      { numRuns: 2000 },
    );
  });

  it("never throws on huge lines and binary garbage", () => {
    const garbage = Buffer.from(Array.from({ length: 100000 }, (_, i) => (i * 7919) & 255)).toString("latin1");
    checkShape(decodeFrame(garbage, null));
    checkShape(decodeFrame(">1 X a=" + "b".repeat(200000), null));
    checkShape(decodeFrame("\u0000".repeat(10), null));
  });

  type Mutation = { kind: "flip" | "insert" | "delete"; at: number; byte: number };
  const mutationArb = fc.record({ kind: fc.constantFrom("flip", "insert", "delete"), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }) as fc.Arbitrary<Mutation>;
  function mutate(line: string, mutations: Mutation[]): string {
    let out = line;
    for (const m of mutations) {
      const at = m.at % (out.length + 1);
      const c = String.fromCharCode(m.byte);
      if (m.kind === "insert") out = out.slice(0, at) + c + out.slice(at);
      else if (m.kind === "flip") out = out.slice(0, at) + c + out.slice(at + 1);
      else out = out.slice(0, at) + out.slice(at + 1);
    }
    return out;
  }

  it("refuses mutated frames (a decode only when the mutation changed nothing)", () => {
    fc.assert(
      fc.property(frameArb, fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (f, mutations) => {
        const line = encodeFrame(f, null).slice(0, -1);
        const mutated = mutate(line, mutations);
        const d = decodeFrame(mutated, null);
        checkShape(d);
        if (d.error === "") expect(mutated.replace(/\r$/, "")).toBe(line);
      }),
      { numRuns: 2000 },
    );
  });

  it("reaches the parser with mutated frames whose CRC is fixed up: never throws, and what it accepts is canonical", () => {
    let decoded = 0;
    fc.assert(
      fc.property(frameArb, fc.array(mutationArb, { minLength: 1, maxLength: 3 }), (f, mutations) => {
        const covered = encodeFrame(f, null).slice(0, -10);
        const line = withCrc(mutate(covered, mutations).replace(/ ?$/, " "));
        const d = decodeFrame(line, null);
        checkShape(d);
        if (d.error === "") {
          decoded++;
          expect(encodeFrame(d.frame!, null)).toBe(line + "\n");
        }
      }),
      { numRuns: 2000 },
    );
    expect(decoded).toBeGreaterThan(0);
  });
});

describe("fieldsText", () => {
  it("writes the fields as on the wire, leaving one key out", () => {
    const f = frame(true, 3, "TIME_SET", [["time", "1700000000"], ["auth", "ab12"], ["note", "50% off"]]);
    expect(fieldsText(f, "auth")).toBe("time=1700000000 note=50%25%20off");
    expect(fieldsText(f, "")).toBe("time=1700000000 auth=ab12 note=50%25%20off");
    expect(fieldsText(newFrame(true, 1, "WIPE"), "auth")).toBe("");
  });
});
