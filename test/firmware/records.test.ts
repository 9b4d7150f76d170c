/**
 * firmware/store/records.ts: format round trips, limits, A/B slot choice, a power cut at every
 * byte of a save, full flash, and garbage that must parse to null without throwing.
 */
import { crc32 } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  Profile, RECORD_FILE_A, RECORD_FILE_B, TokenRecord, loadRecord, parseRecord, saveRecord,
  forgetPreviousRecord, serializeRecord, wipeRecords,
} from "../../firmware/store/records.js";
import { POWER_CUT, createFakeHal } from "./fake-hal.js";

const profile = (over: Partial<Profile> = {}): Profile => ({
  label: "GitHub", kind: "totp", algorithm: "SHA1", digits: 6, period: 30, counter: 0,
  secret: "12345678901234567890", ...over,
});

const sample = (over: Partial<TokenRecord> = {}): TokenRecord => ({
  sequence: 0,
  serial: "TS-000042",
  managementKey: Array.from({ length: 32 }, (_, i) => (i * 7 + 1) & 255),
  profiles: [profile(), profile({ label: "Bank", kind: "hotp", algorithm: "SHA256", digits: 8, period: 0, counter: 0xfffffffe, secret: "\x01" })],
  driftBudgetUsed: -17,
  ...over,
});

const byteString = fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 40 }).map((b) => String.fromCharCode(...b));

const arbProfile: fc.Arbitrary<Profile> = fc.record({
  label: byteString.map((s) => s.slice(0, 16)),
  kind: fc.constantFrom("totp", "hotp"),
  algorithm: fc.constantFrom("SHA1", "SHA256"),
  digits: fc.integer({ min: 6, max: 8 }),
  period: fc.integer({ min: 1, max: 65535 }),
  counter: fc.integer({ min: 0, max: 0xffffffff }),
  secret: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 64 }).map((b) => String.fromCharCode(...b)),
});

const arbRecord: fc.Arbitrary<TokenRecord> = fc.record({
  sequence: fc.integer({ min: 0, max: 0x7fffffff }),
  serial: byteString.map((s) => s.slice(0, 32)),
  managementKey: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 32 }),
  profiles: fc.array(arbProfile, { maxLength: 8 }),
  driftBudgetUsed: fc.integer({ min: -0x7fffffff, max: 0x7fffffff }),
});

describe("serializeRecord / parseRecord", () => {
  it("round-trip any valid record, with the portable and a native CRC alike", () => {
    fc.assert(
      fc.property(arbRecord, (r) => {
        const text = serializeRecord(r);
        expect(text.startsWith("TSR1\x01")).toBe(true);
        expect([...text].every((c) => c.charCodeAt(0) <= 255)).toBe(true);
        expect(parseRecord(text)).toEqual(r);
        const native = (s: string) => crc32(Buffer.from(s, "latin1"));
        expect(serializeRecord(r, native)).toBe(text);
        expect(parseRecord(text, native)).toEqual(r);
      }),
      { numRuns: 300 },
    );
  });

  it("keeps the whole fixed sample and stays small", () => {
    const text = serializeRecord(sample());
    expect(parseRecord(text)).toEqual(sample());
    expect(text.length).toBeLessThan(150);
  });

  it.each<[string, Partial<TokenRecord>]>([
    ["9 profiles", { profiles: Array.from({ length: 9 }, () => profile()) }],
    ["a 17-byte label", { profiles: [profile({ label: "ABCDEFGHIJKLMNOPQ" })] }],
    ["an empty secret", { profiles: [profile({ secret: "" })] }],
    ["a 65-byte secret", { profiles: [profile({ secret: "\x01".repeat(65) })] }],
    ["a secret byte 256", { profiles: [profile({ secret: "\u0100" })] }],
    ["a 33-byte serial", { serial: "X".repeat(33) }],
    ["a non-byte character", { serial: "\u2603" }],
    ["a 33-byte management key", { managementKey: new Array(33).fill(0) }],
    ["5 digits", { profiles: [profile({ digits: 5 })] }],
    ["9 digits", { profiles: [profile({ digits: 9 })] }],
    ["TOTP period 0", { profiles: [profile({ period: 0 })] }],
    ["period 65536", { profiles: [profile({ period: 65536 })] }],
    ["kind x", { profiles: [profile({ kind: "x" })] }],
    ["algorithm MD5", { profiles: [profile({ algorithm: "MD5" })] }],
    ["counter 2^32", { profiles: [profile({ counter: 2 ** 32 })] }],
    ["fractional drift", { driftBudgetUsed: 1.5 }],
    ["sequence 2^31", { sequence: 2 ** 31 }],
  ])("refuses to serialise %s", (_, over) => {
    expect(() => serializeRecord(sample(over))).toThrow(/^tokensmith: /);
  });

  it("returns null, never throws, for garbage", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: "binary" }), byteString, byteString.map((s) => "TSR1\x01" + s)), (s) => {
        expect(parseRecord(s)).toBeNull();
      }),
      { numRuns: 2000 },
    );
  });

  it("returns null for every truncation, extension and single-byte change of a valid record", () => {
    const text = serializeRecord(sample());
    for (let n = 0; n < text.length; n++) expect(parseRecord(text.slice(0, n))).toBeNull();
    expect(parseRecord(text + "\x00")).toBeNull();
    for (let i = 0; i < text.length; i++) {
      for (const delta of [1, 0x80, 0xff]) {
        const c = String.fromCharCode(text.charCodeAt(i) ^ delta);
        expect(parseRecord(text.slice(0, i) + c + text.slice(i + 1))).toBeNull();
      }
      expect(parseRecord(text.slice(0, i) + "\u0141" + text.slice(i + 1))).toBeNull();
    }
  });

  it("returns null for well-formed CRCs around invalid content", () => {
    // Re-seal a mutated body with a correct CRC: only the field checks can catch it.
    const seal = (body: string) => {
      const c = crc32(Buffer.from(body, "latin1"));
      return body + String.fromCharCode(c >>> 24, (c >>> 16) & 255, (c >>> 8) & 255, c & 255);
    };
    const text = serializeRecord(sample());
    const body = text.slice(0, -4);
    expect(parseRecord(seal(body))).toEqual(sample());
    let rejected = 0;
    fc.assert(
      fc.property(fc.integer({ min: 5, max: body.length - 1 }), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const mutated = seal(body.slice(0, i) + String.fromCharCode(body.charCodeAt(i) ^ x) + body.slice(i + 1));
        const parsed = parseRecord(mutated);
        if (parsed === null) rejected++;
        else expect(serializeRecord(parsed)).toBe(mutated); // accepted only if canonical and valid
      }),
      { numRuns: 2000 },
    );
    expect(rejected).toBeGreaterThan(0);
    for (let n = 0; n < body.length; n++) expect(parseRecord(seal(body.slice(0, n)))).toBeNull();
    expect(parseRecord(seal(body + "\x00"))).toBeNull();
    // -0 drift (sign bit, zero magnitude) is not the canonical 0.
    const zero = serializeRecord(sample({ driftBudgetUsed: 0 })).slice(0, -4);
    const at = 11 + 1 + 9 + 1 + 32;
    expect(zero.charCodeAt(at)).toBe(0);
    expect(parseRecord(seal(zero))).not.toBeNull();
    expect(parseRecord(seal(zero.slice(0, at) + "\x80" + zero.slice(at + 1)))).toBeNull();
  });
});

describe("loadRecord / saveRecord", () => {
  it("starts with none, saves into alternating slots with rising sequence numbers", () => {
    const fake = createFakeHal();
    expect(loadRecord(fake.hal)).toEqual({ status: "none", record: null });
    const r = sample();
    expect(saveRecord(fake.hal, r)).toBe(true);
    expect(r.sequence).toBe(1);
    expect([...fake.storage.keys()]).toEqual([RECORD_FILE_A]);
    expect(loadRecord(fake.hal)).toEqual({ status: "ok", record: r });
    r.profiles[1].counter = 0xffffffff;
    expect(saveRecord(fake.hal, r)).toBe(true);
    expect(r.sequence).toBe(2);
    expect(parseRecord(fake.storage.get(RECORD_FILE_B)!)!.sequence).toBe(2);
    expect(loadRecord(fake.hal).record).toEqual(r);
    expect(saveRecord(fake.hal, r)).toBe(true);
    expect(parseRecord(fake.storage.get(RECORD_FILE_A)!)!.sequence).toBe(3);
    expect(loadRecord(fake.hal).record!.sequence).toBe(3);
    wipeRecords(fake.hal);
    expect(loadRecord(fake.hal)).toEqual({ status: "none", record: null });
  });

  it("continues above the stored sequence when given a stale record", () => {
    const fake = createFakeHal();
    const r = sample();
    saveRecord(fake.hal, r);
    saveRecord(fake.hal, r);
    const fresh = sample({ sequence: 0, serial: "NEW" });
    expect(saveRecord(fake.hal, fresh)).toBe(true);
    expect(fresh.sequence).toBe(3);
    expect(loadRecord(fake.hal).record!.serial).toBe("NEW");
  });

  it("uses the other slot when the newer one is corrupt; reports corrupt when both are", () => {
    const fake = createFakeHal({ nativeCrc32: (s) => crc32(Buffer.from(s, "latin1")) });
    const r = sample();
    saveRecord(fake.hal, r); // A, sequence 1
    const old = structuredClone(r);
    r.serial = "TS-NEWER";
    saveRecord(fake.hal, r); // B, sequence 2
    const b = fake.storage.get(RECORD_FILE_B)!;
    fake.storage.set(RECORD_FILE_B, b.slice(0, -1) + String.fromCharCode(b.charCodeAt(b.length - 1) ^ 1));
    expect(loadRecord(fake.hal)).toEqual({ status: "ok", record: old });
    fake.storage.set(RECORD_FILE_A, "TSR1");
    expect(loadRecord(fake.hal)).toEqual({ status: "corrupt", record: null });
    fake.storage.delete(RECORD_FILE_B);
    expect(loadRecord(fake.hal)).toEqual({ status: "corrupt", record: null });
    fake.storage.set(RECORD_FILE_A, "");
    expect(loadRecord(fake.hal)).toEqual({ status: "corrupt", record: null });
    // Saving over corruption works and writes a slot that then wins.
    expect(saveRecord(fake.hal, r)).toBe(true);
    expect(loadRecord(fake.hal)).toEqual({ status: "ok", record: r });
  });

  it("survives a power cut at every byte of a save: the old record or the new one, never less", () => {
    for (const savesBefore of [1, 2, 3]) {
      const fake = createFakeHal();
      const r = sample();
      for (let i = 0; i < savesBefore; i++) saveRecord(fake.hal, r);
      const old = structuredClone(r);
      const next = structuredClone(r);
      next.profiles[1].counter = 7;
      next.driftBudgetUsed = 30;
      const newText = serializeRecord({ ...next, sequence: old.sequence + 1 });
      const storage = new Map(fake.storage);
      let sawNew = 0;
      for (let cut = 0; cut <= newText.length; cut++) {
        fake.storage = new Map(storage);
        fake.cutAfterBytes = cut;
        const attempt = structuredClone(next);
        expect(() => saveRecord(fake.hal, attempt)).toThrow(POWER_CUT);
        const loaded = loadRecord(fake.hal);
        expect(loaded.status).toBe("ok");
        if (cut === newText.length) {
          expect(loaded.record).toEqual({ ...next, sequence: old.sequence + 1 });
          sawNew++;
        } else {
          expect(loaded.record).toEqual(old);
        }
        // A later save after the cut still works and wins.
        const retry = structuredClone(loaded.record!);
        retry.serial = "AFTER-CUT";
        expect(saveRecord(fake.hal, retry)).toBe(true);
        expect(loadRecord(fake.hal).record).toEqual(retry);
      }
      expect(sawNew).toBe(1);
    }
  });

  it("a power cut at any byte of the very first save leaves the token unprovisioned, not damaged (the torn save is recognised by its erased tail)", () => {
    const text = serializeRecord({ ...sample(), sequence: 1 });
    for (let cut = 0; cut < text.length; cut++) {
      const fake = createFakeHal();
      fake.cutAfterBytes = cut;
      expect(() => saveRecord(fake.hal, sample())).toThrow(POWER_CUT);
      expect(fake.storage.get(RECORD_FILE_A)!.length, "the file has its full size, 0xFF after the cut").toBe(text.length);
      expect(loadRecord(fake.hal), `cut after ${cut} bytes`).toEqual({ status: "none", record: null });
    }
    // The same bytes with a wrong programmed CRC byte are damage, not a torn save.
    const fake = createFakeHal();
    const damaged = text.slice(0, text.length - 4) + String.fromCharCode(text.charCodeAt(text.length - 4) ^ 1) + "\xff\xff\xff";
    fake.storage.set(RECORD_FILE_A, damaged);
    expect(loadRecord(fake.hal).status).toBe("corrupt");
  });

  it("forgetPreviousRecord erases the slot that does not hold the current record, and nothing when there is none", () => {
    const fake = createFakeHal();
    forgetPreviousRecord(fake.hal);
    expect([...fake.storage.keys()]).toEqual([]);
    const r = sample();
    saveRecord(fake.hal, r);
    saveRecord(fake.hal, r); // sequence 2, in slot B
    forgetPreviousRecord(fake.hal);
    expect([...fake.storage.keys()]).toEqual([RECORD_FILE_B]);
    expect(loadRecord(fake.hal).record!.sequence).toBe(2);
    saveRecord(fake.hal, r); // sequence 3, in slot A
    forgetPreviousRecord(fake.hal);
    expect([...fake.storage.keys()]).toEqual([RECORD_FILE_A]);
    expect(loadRecord(fake.hal).record!.sequence).toBe(3);
  });

  it("wipeRecords erases the older slot first: a power cut between the two erases leaves the current record, never the older one", () => {
    for (const saves of [2, 3]) {
      const fake = createFakeHal();
      const r = sample();
      for (let i = 0; i < saves; i++) {
        r.serial = `TS-${i}`;
        saveRecord(fake.hal, r);
      }
      const current = saves === 2 ? RECORD_FILE_B : RECORD_FILE_A;
      const erase = fake.hal.storageErase;
      const erased: string[] = [];
      fake.hal.storageErase = (name) => {
        erased.push(name);
        if (erased.length === 2) throw POWER_CUT;
        erase(name);
      };
      expect(() => wipeRecords(fake.hal)).toThrow(POWER_CUT);
      expect(erased).toEqual([current === RECORD_FILE_A ? RECORD_FILE_B : RECORD_FILE_A, current]);
      expect(loadRecord(fake.hal).record!.serial).toBe(`TS-${saves - 1}`);
      fake.hal.storageErase = erase;
      wipeRecords(fake.hal);
      expect([...fake.storage.keys()]).toEqual([]);
    }
  });

  it("wipeRecords compacts where the platform can, so the erased seeds leave the flash", () => {
    const fake = createFakeHal();
    saveRecord(fake.hal, sample());
    let compactions = 0;
    fake.hal.storageCompact = () => void compactions++;
    wipeRecords(fake.hal);
    expect(compactions).toBe(1);
    forgetPreviousRecord(fake.hal);
    saveRecord(fake.hal, sample());
    saveRecord(fake.hal, sample());
    forgetPreviousRecord(fake.hal);
    expect(compactions).toBe(1); // re-provisioning's forget does not compact
  });

  it("a record whose own sequence is ahead of flash's is saved above its own", () => {
    const fake = createFakeHal();
    saveRecord(fake.hal, sample()); // sequence 1 stored
    const ahead = sample({ sequence: 10, serial: "AHEAD" });
    expect(saveRecord(fake.hal, ahead)).toBe(true);
    expect(ahead.sequence).toBe(11);
    expect(loadRecord(fake.hal).record!.sequence).toBe(11);
  });

  it("damage that is not a torn save reads as damage in either slot: a flipped last CRC byte, a short 0xFF file", () => {
    const text = serializeRecord({ ...sample(), sequence: 1 });
    const lastFlipped = text.slice(0, -1) + String.fromCharCode(text.charCodeAt(text.length - 1) ^ 1);
    for (const slot of [RECORD_FILE_A, RECORD_FILE_B]) {
      for (const damaged of [lastFlipped, "\xff\xff", "\xff"]) {
        const fake = createFakeHal();
        fake.storage.set(slot, damaged);
        expect(loadRecord(fake.hal).status, `${slot}: ${JSON.stringify(damaged.slice(-4))}`).toBe("corrupt");
      }
      // A torn first save in slot B alone is no record at all.
      const torn = createFakeHal();
      torn.storage.set(slot, text.slice(0, 9) + "\xff".repeat(text.length - 9));
      expect(loadRecord(torn.hal).status).toBe("none");
    }
  });

  it("returns false on full flash or a bad read-back, leaving the current record", () => {
    const fake = createFakeHal();
    const r = sample();
    saveRecord(fake.hal, r);
    saveRecord(fake.hal, r);
    const before = new Map(fake.storage);
    fake.flashFull = true;
    const attempt = structuredClone(r);
    attempt.serial = "NOPE";
    expect(saveRecord(fake.hal, attempt)).toBe(false);
    expect(attempt.sequence).toBe(2);
    expect(fake.storage).toEqual(before);
    expect(loadRecord(fake.hal).record).toEqual(r);

    fake.flashFull = false;
    const write = fake.hal.storageWrite;
    fake.hal.storageWrite = (name, data) =>
      write(name, data.slice(0, -1) + String.fromCharCode(data.charCodeAt(data.length - 1) ^ 1)); // a bad bit
    expect(saveRecord(fake.hal, attempt)).toBe(false);
    expect(attempt.sequence).toBe(2);
    expect(loadRecord(fake.hal).record).toEqual(r);
  });
});
