import { describe, expect, it } from "vitest";
import { createDecipheriv, scryptSync } from "node:crypto";
import {
  DEFAULT_SCRYPT_COST,
  EscrowError,
  clearEscrowKeyCache,
  deriveEscrowKey,
  escrowOpener,
  escrowPassphraseFromEnv,
  newEscrowSalt,
  openSeed,
  openWithKey,
  sealSeed,
  sealWithKey,
} from "../../host/ledger/escrow.js";
import { TEST_COST } from "./support.js";

const seed = new Uint8Array(Array.from({ length: 20 }, (_, i) => i * 13 + 1));
const opts = { cost: TEST_COST };

describe("escrow", () => {
  it("round-trips a seed, with the layout version | cost | salt | iv | tag | ciphertext", () => {
    const blob = sealSeed(seed, "correct horse", "TS-000001", opts);
    expect(blob.length).toBe(4 + 16 + 12 + 16 + seed.length);
    expect([...blob.subarray(0, 4)]).toEqual([1, TEST_COST.logN, TEST_COST.r, TEST_COST.p]);
    expect(Buffer.from(openSeed(blob, "correct horse", "TS-000001"))).toEqual(Buffer.from(seed));
  });

  it("uses a fresh salt and IV for each blob unless a salt is given", () => {
    const a = sealSeed(seed, "pw", "S", opts);
    const b = sealSeed(seed, "pw", "S", opts);
    expect(a.subarray(4, 20).equals(b.subarray(4, 20))).toBe(false);
    const salt = newEscrowSalt();
    const c = sealSeed(seed, "pw", "S", { ...opts, salt });
    const d = sealSeed(seed, "pw", "S", { ...opts, salt });
    expect(c.subarray(4, 20).equals(salt)).toBe(true);
    expect(c.subarray(20, 32).equals(d.subarray(20, 32))).toBe(false); // IVs differ
  });

  it("refuses a wrong passphrase", () => {
    const blob = sealSeed(seed, "right", "TS-000001", opts);
    expect(() => openSeed(blob, "wrong", "TS-000001")).toThrow(EscrowError);
    expect(() => openSeed(blob, "wrong", "TS-000001")).toThrow("wrong passphrase or the escrow was altered");
  });

  it("refuses a blob altered anywhere (salt, iv, tag, ciphertext, cost byte)", () => {
    const blob = sealSeed(seed, "pw", "TS-000001", opts);
    for (const at of [2, 4, 19, 20, 31, 32, 47, 48, blob.length - 1]) {
      const bad = Buffer.from(blob);
      bad[at] ^= 0x01;
      expect(() => openSeed(bad, "pw", "TS-000001"), `byte ${at}`).toThrow(/wrong passphrase or the escrow was altered/);
    }
    expect(() => openSeed(blob.subarray(0, 40), "pw", "TS-000001")).toThrow(/escrow was altered/);
  });

  it("refuses a blob moved to another serial (AAD)", () => {
    const blob = sealSeed(seed, "pw", "TS-000001", opts);
    expect(() => openSeed(blob, "pw", "TS-000002")).toThrow("wrong passphrase or the escrow was altered");
  });

  it("names an unknown format version, and refuses a blob asking for an absurd scrypt cost", () => {
    const blob = sealSeed(seed, "pw", "S", opts);
    const v2 = Buffer.from(blob);
    v2[0] = 2;
    expect(() => openSeed(v2, "pw", "S")).toThrow(/format version 2/);
    const huge = Buffer.from(blob);
    huge[1] = 40;
    expect(() => openSeed(huge, "pw", "S")).toThrow(/escrow was altered/);
  });

  it("normalises the passphrase (NFC), refuses an empty one", () => {
    const blob = sealSeed(seed, "caf\u00e9", "S", opts);
    expect(Buffer.from(openSeed(blob, "cafe\u0301", "S"))).toEqual(Buffer.from(seed));
    expect(() => sealSeed(seed, "", "S", opts)).toThrow(EscrowError);
  });

  it("derives once per (passphrase, salt, cost)", () => {
    clearEscrowKeyCache();
    const salt = newEscrowSalt();
    const a = deriveEscrowKey("pw", salt, TEST_COST);
    expect(deriveEscrowKey("pw", salt, TEST_COST)).toBe(a);
    expect(deriveEscrowKey("pw2", salt, TEST_COST)).not.toBe(a);
    expect(deriveEscrowKey("pw", newEscrowSalt(), TEST_COST)).not.toBe(a);
  });

  it("the real cost is N = 2^15, r = 8, p = 1: a blob sealed by default opens with a key node:crypto derives at that cost", () => {
    // No assertion on how long it takes (that belongs in npm run bench): the cost itself is
    // checked, by opening the blob by hand.
    expect(DEFAULT_SCRYPT_COST).toEqual({ logN: 15, r: 8, p: 1 });
    const seed = Buffer.from("00112233445566778899aabbccddeeff00112233", "hex");
    const blob = Buffer.from(sealSeed(seed, "a real passphrase", "TS-000009"));
    expect([...blob.subarray(0, 4)]).toEqual([1, 15, 8, 1]);
    const [salt, iv, tag, ciphertext] = [blob.subarray(4, 20), blob.subarray(20, 32), blob.subarray(32, 48), blob.subarray(48)];
    const key = scryptSync("a real passphrase", salt, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
    const decipher = createDecipheriv("aes-256-gcm", key, iv);
    decipher.setAAD(Buffer.concat([blob.subarray(0, 4), Buffer.from("TS-000009", "latin1")]));
    decipher.setAuthTag(tag);
    expect(Buffer.concat([decipher.update(ciphertext), decipher.final()])).toEqual(seed);
  });

  it("reads the passphrase from TOKENSMITH_ESCROW_PASSPHRASE", () => {
    expect(escrowPassphraseFromEnv({ TOKENSMITH_ESCROW_PASSPHRASE: "s3cret" })).toBe("s3cret");
    expect(escrowPassphraseFromEnv({ TOKENSMITH_ESCROW_PASSPHRASE: "" })).toBeUndefined();
    expect(escrowPassphraseFromEnv({})).toBeUndefined();
  });
});

describe("escrowOpener (one key, many blobs: the export's path)", () => {
  const key = deriveEscrowKey("opener pw", newEscrowSalt(), TEST_COST);
  const open = escrowOpener(key);

  it("opens what the key sealed, seeds of any length, as openWithKey does", () => {
    for (const length of [0, 1, 10, 20, 32, 64]) {
      const secret = new Uint8Array(Array.from({ length }, (_, i) => (i * 29 + length) & 0xff));
      const blob = sealWithKey(key, secret, `S-${length}`);
      expect(Buffer.from(open(blob, `S-${length}`)), `${length} bytes`).toEqual(Buffer.from(secret));
      expect(Buffer.from(openWithKey(key, blob, `S-${length}`))).toEqual(Buffer.from(secret));
    }
  });

  it("refuses, with openWithKey's words, a blob altered anywhere, moved to another serial, cut short, or sealed under another salt", () => {
    const blob = sealWithKey(key, seed, "TS-1");
    const refusals = (bad: Uint8Array, aad = "TS-1") => {
      let mine = "";
      let reference = "";
      try {
        open(bad, aad);
      } catch (error) {
        expect(error).toBeInstanceOf(EscrowError);
        mine = (error as Error).message;
      }
      try {
        openWithKey(key, bad, aad);
      } catch (error) {
        reference = (error as Error).message;
      }
      expect(mine).toMatch(/wrong passphrase or the escrow was altered/);
      expect(mine).toBe(reference);
      return mine;
    };
    for (const at of [0, 1, 3, 4, 19, 20, 31, 32, 47, 48, blob.length - 1]) {
      const bad = Buffer.from(blob);
      bad[at] ^= 0x01;
      refusals(bad);
    }
    refusals(blob, "TS-2");
    expect(refusals(blob.subarray(0, 47))).toMatch(/too short/);
    const elsewhere = sealWithKey(deriveEscrowKey("opener pw", newEscrowSalt(), TEST_COST), seed, "TS-1");
    expect(refusals(elsewhere)).toMatch(/another escrow salt/);
  });

  it("opens a blob that is a view into a larger buffer (a page of rows)", () => {
    const blob = sealWithKey(key, seed, "TS-3");
    const shelf = new Uint8Array(blob.length + 10);
    shelf.set(blob, 7);
    expect(Buffer.from(open(shelf.subarray(7, 7 + blob.length), "TS-3"))).toEqual(Buffer.from(seed));
  });
});
