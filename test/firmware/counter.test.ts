/**
 * The nonce counter's tally (firmware/store/counter.ts) on a fake Hal with Espruino's offset
 * write rules: values only go up, across rollovers, torn epochs and a full flash.
 */
import { describe, expect, it } from "vitest";
import { createFakeHal } from "./fake-hal.js";
import zlib from "node:zlib";
import { COUNTER_FILE_A, COUNTER_FILE_B, COUNTER_FILE_BYTES, TALLY_BYTES, advanceCounter, counterValue } from "../../firmware/store/counter.js";

const word = (n: number) => String.fromCharCode((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
/** The header as the format says: the epoch and its CRC-32 (zlib's, the oracle). */
const header = (epoch: number) => word(epoch) + word(zlib.crc32(Buffer.from(word(epoch), "latin1")));
const tallyFile = (epoch: number, used: number) => header(epoch) + "\x00".repeat(used) + "\xff".repeat(TALLY_BYTES - used);

describe("the nonce counter", () => {
  it("counts 1, 2, 3 ... through two rollovers, one file at a time", () => {
    const { hal, storage } = createFakeHal();
    expect(counterValue(hal)).toBe(0);
    for (let n = 1; n <= 2 * TALLY_BYTES + 5; n++) {
      expect(advanceCounter(hal)).toBe(n);
      expect(counterValue(hal)).toBe(n);
      expect([...storage.keys()].filter((k) => k.startsWith("tsctr"))).toHaveLength(1);
    }
    expect(storage.get(COUNTER_FILE_A)).toBe(tallyFile(2, 5));
  });

  it("after a cut between writing the next file and erasing the full one, the higher epoch wins", () => {
    const { hal, storage } = createFakeHal();
    storage.set(COUNTER_FILE_A, tallyFile(3, TALLY_BYTES));
    storage.set(COUNTER_FILE_B, tallyFile(4, 0));
    expect(counterValue(hal)).toBe(4 * TALLY_BYTES);
    expect(advanceCounter(hal)).toBe(4 * TALLY_BYTES + 1);
  });

  it("a header cut short fails its CRC and is ignored: the full file rolls over again", () => {
    for (let written = 0; written < 8; written++) {
      const { hal, storage } = createFakeHal();
      storage.set(COUNTER_FILE_A, tallyFile(7, TALLY_BYTES));
      const torn = header(8).slice(0, written) + "\xff".repeat(8 - written);
      storage.set(COUNTER_FILE_B, torn + "\xff".repeat(TALLY_BYTES));
      expect(advanceCounter(hal), `header cut after ${written} bytes`).toBe(8 * TALLY_BYTES + 1);
      expect(storage.has(COUNTER_FILE_A)).toBe(false);
      expect(storage.get(COUNTER_FILE_B)).toBe(tallyFile(8, 1));
    }
  });

  it("a partly programmed tally byte counts (its nonce may have been used)", () => {
    const { hal, storage } = createFakeHal();
    storage.set(COUNTER_FILE_A, header(0) + "\x00\x7f" + "\xff".repeat(TALLY_BYTES - 2));
    expect(counterValue(hal)).toBe(2);
    expect(advanceCounter(hal)).toBe(3);
  });

  it("a full flash gives -1 and changes nothing", () => {
    const handles = createFakeHal();
    handles.storage.set(COUNTER_FILE_A, tallyFile(0, TALLY_BYTES));
    handles.flashFull = true;
    expect(advanceCounter(handles.hal)).toBe(-1);
    expect(handles.storage.get(COUNTER_FILE_A)).toBe(tallyFile(0, TALLY_BYTES));
    expect(handles.storage.get(COUNTER_FILE_B)).toBeUndefined();
    expect(COUNTER_FILE_BYTES).toBe(8 + TALLY_BYTES);
  });

  it("reads every byte of the epoch: a high epoch counts from epoch * TALLY_BYTES", () => {
    const { hal, storage } = createFakeHal();
    const epoch = 0xa1b2c3; // below 2^24, every byte in use
    storage.set(COUNTER_FILE_A, tallyFile(epoch, 9));
    expect(counterValue(hal)).toBe(epoch * TALLY_BYTES + 9);
    expect(advanceCounter(hal)).toBe(epoch * TALLY_BYTES + 10);
  });

  it("epochs stop below 2^24: a file claiming 2^24 is ignored, and the last epoch, full, refuses to advance", () => {
    const beyond = createFakeHal();
    beyond.storage.set(COUNTER_FILE_A, tallyFile(2 ** 24, 3));
    expect(counterValue(beyond.hal)).toBe(0);

    const last = createFakeHal();
    last.storage.set(COUNTER_FILE_A, tallyFile(2 ** 24 - 1, TALLY_BYTES));
    expect(counterValue(last.hal)).toBe((2 ** 24 - 1) * TALLY_BYTES + TALLY_BYTES);
    expect(advanceCounter(last.hal)).toBe(-1);
    expect([...last.storage.keys()]).toEqual([COUNTER_FILE_A]);
    expect(last.storage.get(COUNTER_FILE_A)).toBe(tallyFile(2 ** 24 - 1, TALLY_BYTES));
  });

  it("the higher epoch wins whichever file holds it", () => {
    const { hal, storage } = createFakeHal();
    storage.set(COUNTER_FILE_A, tallyFile(6, 2));
    storage.set(COUNTER_FILE_B, tallyFile(5, TALLY_BYTES));
    expect(counterValue(hal)).toBe(6 * TALLY_BYTES + 2);
    expect(advanceCounter(hal)).toBe(6 * TALLY_BYTES + 3);
    expect(storage.get(COUNTER_FILE_A)).toBe(tallyFile(6, 3));
  });

  it("a file of the wrong length is not a counter file", () => {
    const { hal, storage } = createFakeHal();
    storage.set(COUNTER_FILE_A, tallyFile(4, 10).slice(0, COUNTER_FILE_BYTES - 1));
    expect(counterValue(hal)).toBe(0);
  });

  it("a tally byte the flash refuses, or accepts without programming, gives -1", () => {
    const refused = createFakeHal();
    refused.storage.set(COUNTER_FILE_A, tallyFile(0, 3));
    refused.flashFull = true;
    expect(advanceCounter(refused.hal)).toBe(-1);
    expect(refused.storage.get(COUNTER_FILE_A)).toBe(tallyFile(0, 3));

    const silent = createFakeHal();
    silent.storage.set(COUNTER_FILE_A, tallyFile(0, 3));
    silent.hal.storageWriteAt = () => true; // says yes, writes nothing
    expect(advanceCounter(silent.hal)).toBe(-1);
  });

  it("uses the platform's native CRC-32 when it has one (E.CRC32 on Espruino)", () => {
    let calls = 0;
    const { hal, storage } = createFakeHal({
      nativeCrc32: (data) => {
        calls++;
        return zlib.crc32(Buffer.from(data, "latin1")) | 0;
      },
    });
    expect(advanceCounter(hal)).toBe(1);
    expect(calls).toBeGreaterThan(0);
    expect(storage.get(COUNTER_FILE_A)).toBe(tallyFile(0, 1));
  });
});
