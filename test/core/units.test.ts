/**
 * The core's building blocks, each against an independent oracle (node:crypto's HMAC, BigInt
 * arithmetic, the protocol's own document), on both paths the firmware takes: the pure one and
 * the platform's native digest. Written for the mutants `npm run mutation` found surviving:
 * paths the token runs but the core's code suites did not (hmacText, the native counter MAC,
 * remainderWord for words past 2^31, decimal field parsing, the verbs and error codes).
 */
import { describe, expect, it } from "vitest";
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { SHA1, SHA256, type HashAlgorithm } from "../../shared/otp/hash.js";
import { hmac, hmacCounterWords, hmacText, prepareHmacKey } from "../../shared/otp/hmac.js";
import { divideWord, lastRemainder, remainderWord } from "../../shared/otp/totp.js";
import { parseWhole } from "../../shared/codec/decimal.js";
import * as commands from "../../shared/protocol/commands.js";
import { nodeNativeDigest } from "../../host/core/otp.js";

const bytes = (buffer: Buffer) => [...buffer];
const latin1 = (text: string) => Buffer.from(text, "latin1");
const algorithms: Array<[string, HashAlgorithm, "sha1" | "sha256"]> = [
  ["SHA-1", SHA1, "sha1"],
  ["SHA-256", SHA256, "sha256"],
];

describe.each(algorithms)("HMAC-%s, pure and native, against node:crypto", (_name, hash, nodeName) => {
  const native = nodeNativeDigest(nodeName === "sha1" ? "SHA1" : "SHA256");
  // Keys shorter than, equal to and longer than the 64-byte block (RFC 2104 section 2: a longer key is hashed first).
  it.each([1, 20, 63, 64, 65, 131])("a %i-byte key: hmac, hmacText and hmacCounterWords agree with node:crypto", (keyLength) => {
    const key = Array.from({ length: keyLength }, (_, i) => (i * 29 + 7) & 255);
    const text = "tokensmith-verify 0123456789abcdef\x00\xff" + "x".repeat(70);
    const counter = Buffer.from([0x80, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe]);
    const expectText = bytes(createHmac(nodeName, Buffer.from(key)).update(latin1(text)).digest());
    const expectCounter = createHmac(nodeName, Buffer.from(key)).update(counter).digest();
    for (const digest of [null, native]) {
      const prepared = prepareHmacKey(hash, key, digest);
      expect(hmac(prepared, bytes(latin1(text))), `hmac, ${digest ? "native" : "pure"}`).toEqual(expectText);
      expect(hmacText(prepared, text), `hmacText, ${digest ? "native" : "pure"}`).toEqual(expectText);
      const words = hmacCounterWords(prepared, 0x80000001, 0xfffffffe | 0);
      const asBytes = Buffer.alloc(words.length * 4);
      words.forEach((w, i) => asBytes.writeInt32BE(w | 0, i * 4));
      expect(asBytes.equals(expectCounter), `hmacCounterWords, ${digest ? "native" : "pure"}`).toBe(true);
    }
  });
});

describe("word division (RFC 6238 counters on 32-bit runtimes)", () => {
  it("divideWord and remainderWord agree with BigInt for words across the whole 32-bit range", () => {
    fc.assert(
      // divideWord takes TOTP periods (1 to 65535), remainderWord 10^digits (up to 10^8).
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 1, max: 10 ** 8 }), (n, period, modulus) => {
        const word = n | 0; // as a 32-bit runtime holds it: past 2^31, negative
        expect(divideWord(word, period) >>> 0).toBe(Number(BigInt(n) / BigInt(period)));
        expect(lastRemainder()).toBe(Number(BigInt(n) % BigInt(period)));
        expect(remainderWord(word, modulus)).toBe(Number(BigInt(n) % BigInt(modulus)));
      }),
    );
    expect(remainderWord(-1, 10)).toBe(5); // 4294967295 % 10
    expect(remainderWord(0, 7)).toBe(0);
    expect(remainderWord(6, 7)).toBe(6);
    expect(remainderWord(7, 7)).toBe(0);
  });
});

describe("decimal fields (parseWhole)", () => {
  it.each([
    ["0", 0],
    ["9", 9],
    ["10", 10],
    ["4294967295", 4294967295],
    ["4294967296", -1], // past 2^32 - 1
    ["9999999999", -1],
    ["12345678901", -1], // 11 digits
    ["", -1],
    ["00", -1],
    ["01", -1], // leading zero
    ["1a", -1],
    ["/", -1], // '0' - 1
    [":", -1], // '9' + 1
    ["-1", -1],
    ["+1", -1],
    [" 1", -1],
  ])("%j is %i", (text, value) => {
    expect(parseWhole(text)).toBe(value);
  });
});

describe("verbs and error codes: the protocol document's names", () => {
  const spec = readFileSync(new URL("../../shared/protocol/PROTOCOL.md", import.meta.url), "utf8");
  const named = (prefix: string) => Object.entries(commands).filter(([name]) => name.startsWith(prefix)) as Array<[string, string]>;

  it("every VERB_ constant is its own name, and the document's command table lists it", () => {
    for (const [name, verb] of named("VERB_")) {
      expect(verb, name).toBe(name.slice("VERB_".length));
      if (verb !== "OK" && verb !== "ERR") expect(spec, `${verb} in PROTOCOL.md's table`).toContain("| `" + verb + "` |");
    }
    expect(named("VERB_").length).toBeGreaterThanOrEqual(12);
  });

  it("every ERR_ constant is its name in lower case, and the document names it", () => {
    for (const [name, code] of named("ERR_")) {
      expect(code, name).toBe(name.slice("ERR_".length).toLowerCase());
      expect(spec, `${code} in PROTOCOL.md`).toContain("`" + code + "`");
    }
  });

  it("the field and prefix names the MACs are made over", () => {
    expect(commands.FIELD_AUTH).toBe("auth");
    expect(spec).toContain("`auth`");
    expect(commands.VERIFY_PREFIX).toBe("tokensmith-verify ");
    expect(spec).toContain("tokensmith-verify ");
  });
});
