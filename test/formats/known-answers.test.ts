/**
 * Known answers for the formats that outlive a release: the token's record (kept across
 * `install`) and the escrow blob (kept in every ledger). Each is built here BY HAND from the
 * format as its module's header comment specifies it, with node:crypto and zlib as the only
 * helpers, and today's code must read it and write exactly it. Changing a layout the same way
 * in writer and reader therefore fails here: a format change needs an explicit migration, and
 * a new known answer beside the old one.
 */
import { describe, expect, it } from "vitest";
import { createCipheriv, scryptSync } from "node:crypto";
import zlib from "node:zlib";
import { parseRecord, serializeRecord } from "../../firmware/store/records.js";
import { openSeed } from "../../host/ledger/escrow.js";

const byte = (n: number) => String.fromCharCode(n & 255);
const word = (n: number) => byte(n >>> 24) + byte(n >>> 16) + byte(n >>> 8) + byte(n);
const short = (n: number) => byte(n >>> 8) + byte(n);
const field = (text: string) => byte(text.length) + text;
const crc = (text: string) => word(zlib.crc32(Buffer.from(text, "latin1")));

describe("the record format, version 1 (firmware/store/records.ts)", () => {
  // "TSR1", version 1, sequence (4, BE), payload length (2), payload, CRC-32 of all before it.
  // Payload: serial, management key, driftBudgetUsed (sign bit + 31-bit magnitude), count,
  // per profile: label, kind (0 totp, 1 hotp), algorithm (0 SHA1, 1 SHA256), digits,
  // period (2), counter (4), secret. Texts: a length byte and the bytes.
  const mkey = "\xa0\xa1\xa2\xa3\xa4\xa5\xa6\xa7\xa8\xa9\xaa\xab\xac\xad\xae\xaf";
  const seedA = "12345678901234567890"; // RFC 6238's SHA-1 seed
  const seedB = "\x00\xff\x10\x80\x7f";
  const payload =
    field("TS-000042") +
    field(mkey) +
    word(0x80000000 | 30) + // -30: the sign bit and 30
    byte(2) +
    field("Mail") + byte(0) + byte(0) + byte(6) + short(30) + word(0) + field(seedA) +
    field("Door") + byte(1) + byte(1) + byte(8) + short(0) + word(4000000000) + field(seedB);
  const body = "TSR1" + byte(1) + word(7) + short(payload.length) + payload;
  const known = body + crc(body);

  it("today's reader reads it", () => {
    const record = parseRecord(known);
    expect(record).toEqual({
      sequence: 7,
      serial: "TS-000042",
      managementKey: [...mkey].map((c) => c.charCodeAt(0)),
      driftBudgetUsed: -30,
      profiles: [
        { label: "Mail", kind: "totp", algorithm: "SHA1", digits: 6, period: 30, counter: 0, secret: seedA },
        { label: "Door", kind: "hotp", algorithm: "SHA256", digits: 8, period: 0, counter: 4000000000, secret: seedB },
      ],
    });
  });

  it("today's writer writes exactly it", () => {
    expect(serializeRecord(parseRecord(known)!)).toBe(known);
  });

  it("one changed byte anywhere is refused", () => {
    for (let i = 0; i < known.length; i++) {
      const damaged = known.slice(0, i) + byte(known.charCodeAt(i) ^ 0x01) + known.slice(i + 1);
      expect(parseRecord(damaged), `byte ${i}`).toBeNull();
    }
  });
});

describe("the escrow blob, version 1 (host/ledger/escrow.ts)", () => {
  // key = scrypt(passphrase NFC, salt, N = 2^logN, r, p) -> 32 bytes;
  // blob = version | logN | r | p | salt (16) | iv (12) | tag (16) | ciphertext, AES-256-GCM,
  // AAD = the 4 header bytes | the caller's AAD (the serial).
  const passphrase = "correct horse battery staple";
  const serial = "TS-000042";
  const seed = Buffer.from("3132333435363738393031323334353637383930", "hex");
  const salt = Buffer.from("000102030405060708090a0b0c0d0e0f", "hex");
  const iv = Buffer.from("a0a1a2a3a4a5a6a7a8a9aaab", "hex");
  const header = Buffer.from([1, 10, 8, 1]); // version 1, N = 2^10, r = 8, p = 1
  const key = scryptSync(passphrase.normalize("NFC"), salt, 32, { N: 1 << 10, r: 8, p: 1 });
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.concat([header, Buffer.from(serial, "latin1")]));
  const ciphertext = Buffer.concat([cipher.update(seed), cipher.final()]);
  const known = Buffer.concat([header, salt, iv, cipher.getAuthTag(), ciphertext]);

  it("today's code opens it with the passphrase and the serial", () => {
    expect(Buffer.from(openSeed(known, passphrase, serial))).toEqual(seed);
  });

  it("not with another serial (the AAD), nor another passphrase", () => {
    expect(() => openSeed(known, passphrase, "TS-000043")).toThrow();
    expect(() => openSeed(known, "wrong", serial)).toThrow();
  });
});

describe("a flash holding a record of format version 1, as `install` keeps it", () => {
  it("today's firmware boots from it: the serial, the labels, and RFC 6238's code on the display", async () => {
    const { SimulatedToken } = await import("../../hardware/sim/token.js");
    const { readCode } = await import("../sim/display-reader.js");
    const { generateSync } = await import("otplib");
    // One TOTP profile with RFC 6238's SHA-1 seed, the record built by hand as above.
    const seed = "12345678901234567890";
    const payload = field("TS-000077") + field("\x01".repeat(16)) + word(0) + byte(1) + field("RFC") + byte(0) + byte(0) + byte(8) + short(30) + word(0) + field(seed);
    const body = "TSR1" + byte(1) + word(3) + short(payload.length) + payload;
    const time = 2000000000; // RFC 6238's test time 2000000000: 69279037 with 8 digits
    const token = new SimulatedToken({ rtcUnixSeconds: time });
    token.flash.write("tsrec.a", body + crc(body));
    token.powerOn();
    const { ask } = await import("../sim/support.js");
    const hello = ask(token, "HELLO");
    expect([hello.get("serial"), hello.get("state"), hello.get("label1")]).toEqual(["TS-000077", "ready", "RFC"]);
    token.press();
    token.advanceMs(300);
    expect(readCode(token.display)).toBe("69279037");
    expect(generateSync({ secret: new TextEncoder().encode(seed), epoch: time, digits: 8 })).toBe("69279037");
  });
});
