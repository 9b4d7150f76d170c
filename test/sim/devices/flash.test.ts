import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ERASE_MARK_BYTES, HEADER_BYTES, PowerCutError, SimFlash, StorageError } from "../../../hardware/sim/devices/flash.js";

const FF = "\xff";
const footprint = (size: number) => HEADER_BYTES + Math.ceil(size / 4) * 4;
const dir = mkdtempSync(join(tmpdir(), "simflash-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("SimFlash: Storage semantics", () => {
  it("writes, reads, replaces, erases and lists", () => {
    const f = new SimFlash();
    expect(f.read("a")).toBeUndefined();
    expect(f.write("a", "hello")).toBe(true);
    expect(f.write("b", "\x00\x01\xfe\xff")).toBe(true);
    expect(f.read("a")).toBe("hello");
    expect(f.read("b")).toBe("\x00\x01\xfe\xff");
    expect(Array.from(f.readBytes("b")!)).toEqual([0, 1, 254, 255]);
    expect(f.write("a", "bye")).toBe(true);
    expect(f.read("a")).toBe("bye");
    expect(f.list()).toEqual(["b", "a"]);
    f.erase("b");
    f.erase("missing");
    expect(f.list()).toEqual(["a"]);
    expect(f.read("b")).toBeUndefined();
    expect(f.writeCalls).toBe(3);
  });

  it("accounts free space as Espruino does: header + data padded to 4, trash not free until compacted", () => {
    const f = new SimFlash({ capacityBytes: 1024 });
    expect(f.getFree()).toBe(1024);
    f.write("a", "x".repeat(10));
    expect(f.getFree()).toBe(1024 - footprint(10));
    f.write("a", "y".repeat(10)); // old copy becomes trash
    expect(f.getFree()).toBe(1024 - 2 * footprint(10));
    expect(f.getStats()).toMatchObject({ fileCount: 1, trashCount: 1, trashBytes: footprint(10) });
    f.compact();
    expect(f.getFree()).toBe(1024 - footprint(10));
    expect(f.read("a")).toBe("y".repeat(10));
  });

  it("writes nothing when the same bytes are written again", () => {
    const f = new SimFlash();
    f.write("rec", "same");
    const before = f.bytesWrittenTotal;
    f.armPowerCut(0);
    expect(f.write("rec", "same")).toBe(true);
    expect(f.bytesWrittenTotal).toBe(before);
    expect(f.getStats().trashCount).toBe(0);
  });

  it("creates a sized file and fills it later (the Storage.write documentation's example)", () => {
    const f = new SimFlash();
    f.write("a", "Hello", 0, 14);
    expect(f.read("a")).toBe("Hello" + FF.repeat(9));
    f.write("a", " ", 5);
    f.write("a", "World!!!", 6);
    expect(f.read("a")).toBe("Hello World!!!");
    f.write("a", " ", 0);
    expect(f.read("a")).toBe(" ");
  });

  it("raises Espruino's errors for bad offset writes", () => {
    const f = new SimFlash();
    f.write("a", "Hello", 0, 8);
    expect(() => f.write("a", "X", 0 + 1)).toThrow("File already written with different data");
    expect(() => f.write("a", "1234", 5)).toThrow("Too much data for file size");
    expect(() => f.write("nope", "x", 3)).toThrow("Unable to find or create file");
    expect(() => f.write("z", "")).toThrow("Can't create zero length file");
    expect(f.write("a", "x", -1)).toBe(false);
    expect(f.read("a")).toBe("Hello" + FF.repeat(3));
    try {
      f.write("nope", "x", 3);
    } catch (error) {
      expect(error).toBeInstanceOf(StorageError);
      expect(error).toBeInstanceOf(Error);
    }
  });

  it("throws 'Unable to find or create file' when a new file does not fit, changing nothing", () => {
    const f = new SimFlash({ capacityBytes: 256 });
    f.write("a", "x".repeat(100));
    const free = f.getFree();
    expect(() => f.write("b", "y".repeat(free))).toThrow("Unable to find or create file");
    expect(f.list()).toEqual(["a"]);
    expect(f.getFree()).toBe(free);
    expect(f.write("b", "y".repeat(free - HEADER_BYTES))).toBe(true); // exactly fits
    expect(f.getFree()).toBe(0);
  });

  it("loses the old copy when its replacement does not fit (the old one is erased first)", () => {
    const f = new SimFlash({ capacityBytes: 256 });
    f.write("keep", "k".repeat(40));
    f.write("rec", "old");
    expect(() => f.write("rec", "n".repeat(200))).toThrow("Unable to find or create file");
    expect(f.read("rec")).toBeUndefined();
    expect(f.read("keep")).toBe("k".repeat(40));
  });

  it("compacts trash automatically when that makes room", () => {
    const f = new SimFlash({ capacityBytes: 512 });
    for (let i = 0; i < 5; i++) f.write("rec", `version ${i}`.padEnd(20, "."));
    expect(f.getStats().trashCount).toBe(4);
    const big = "b".repeat(f.getFree()); // needs the trash back
    expect(f.write("big", big)).toBe(true);
    expect(f.compactions).toBe(1);
    expect(f.read("rec")).toBe("version 4".padEnd(20, "."));
    expect(f.read("big")).toBe(big);
  });

  it("keeps the first 28 characters of a name, as Espruino does (or throws with strictNames)", () => {
    const f = new SimFlash();
    const long = "abcdefghijklmnopqrstuvwxyz0123";
    f.write(long, "v");
    expect(f.list()).toEqual([long.slice(0, 28)]);
    expect(f.read(long.slice(0, 28))).toBe("v");
    expect(f.read(long.slice(0, 28) + "ZZ")).toBe("v");
    const strict = new SimFlash({ strictNames: true });
    expect(() => strict.write(long, "v")).toThrow(/longer than 28/);
    expect(strict.write(long.slice(0, 28), "v")).toBe(true);
    expect(() => f.write("", "v")).toThrow(StorageError);
  });

  it("persists to a file and loads back (including trash and half-written files)", () => {
    const file = join(dir, "flash.json");
    const f = new SimFlash({ capacityBytes: 4096, file });
    f.write("a", "\x00\x80\xffbinary");
    f.write("a", "second");
    f.write("up", "abc", 0, 10);
    f.save();
    expect(JSON.parse(readFileSync(file, "utf8")).format).toBe("tokensmith-simflash");
    // It holds a simulated token's seeds: this user only.
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const g = SimFlash.load(file);
    expect(g.capacityBytes).toBe(4096);
    expect(g.read("a")).toBe("second");
    expect(g.read("up")).toBe("abc" + FF.repeat(7));
    expect(g.getStats()).toEqual(f.getStats());
    g.write("up", "defg", 3);
    expect(g.read("up")).toBe("abcdefg" + FF.repeat(3));
    const h = SimFlash.loadOrCreate(join(dir, "fresh.json"), 2048);
    expect(h.capacityBytes).toBe(2048);
    expect(h.list()).toEqual([]);
    expect(SimFlash.loadOrCreate(file).read("a")).toBe("second");
  });
});

describe("SimFlash: power cuts", () => {
  const OLD = "OLD-DATA";
  const NEW = "NEW-DATA-12";
  const total = ERASE_MARK_BYTES + HEADER_BYTES + NEW.length;

  it(`replacing a file, cut after every k of its ${total} bytes, leaves the documented state`, () => {
    for (let k = 0; k <= total; k++) {
      const f = new SimFlash({ capacityBytes: 1024 });
      f.write("other", "untouched");
      f.write("rec", OLD);
      const programmed = f.bytesWrittenTotal;
      f.armPowerCut(k);
      let cut = false;
      try {
        f.write("rec", NEW);
      } catch (error) {
        expect(error).toBeInstanceOf(PowerCutError);
        cut = true;
      }
      const what = `k=${k}`;
      expect(cut, what).toBe(k < total);
      expect(f.bytesWrittenTotal - programmed, what).toBe(k);
      expect(f.read("other"), what).toBe("untouched");
      if (k === 0) {
        expect(f.read("rec"), what).toBe(OLD); // cut before the erase marker's first byte
      } else if (k < ERASE_MARK_BYTES + HEADER_BYTES) {
        expect(f.read("rec"), what).toBeUndefined(); // old erased, new header incomplete
        expect(f.list(), what).toEqual(["other"]);
        expect(f.getStats().trashCount, what).toBe(k > ERASE_MARK_BYTES ? 2 : 1);
      } else {
        const done = k - ERASE_MARK_BYTES - HEADER_BYTES;
        expect(f.read("rec"), what).toBe(NEW.slice(0, done) + FF.repeat(NEW.length - done));
        expect(f.list(), what).toEqual(["other", "rec"]);
      }
      expect(f.wasCut(), what).toBe(k < total);
      expect(f.isArmed(), what).toBe(k === total);
    }
  });

  it("an armed budget spans calls; after a cut nothing more is programmed until the next boot", () => {
    const f = new SimFlash();
    f.armPowerCut(HEADER_BYTES + 5 + HEADER_BYTES + 2);
    f.write("one", "11111");
    expect(() => f.write("two", "22222")).toThrow(PowerCutError);
    expect(f.read("one")).toBe("11111");
    expect(f.read("two")).toBe("22" + FF.repeat(3));
    const after = f.bytesWrittenTotal;
    expect(() => f.write("three", "3")).toThrow(PowerCutError);
    expect(() => f.erase("one")).toThrow(PowerCutError);
    expect(f.bytesWrittenTotal).toBe(after);
    expect(f.list()).toEqual(["one", "two"]);
    f.disarmIfCut();
    expect(f.wasCut()).toBe(false);
    expect(f.write("three", "3")).toBe(true);
  });

  it("erase() cut inside its marker loses the file; cut before it keeps it", () => {
    for (let k = 0; k <= ERASE_MARK_BYTES; k++) {
      const f = new SimFlash();
      f.write("rec", OLD);
      f.armPowerCut(k);
      const run = () => f.erase("rec");
      if (k < ERASE_MARK_BYTES) expect(run).toThrow(PowerCutError);
      else run();
      expect(f.read("rec"), `k=${k}`).toBe(k === 0 ? OLD : undefined);
    }
  });

  it("a chunked upload cut midway leaves the sized file with 0xFF where nothing was programmed", () => {
    const f = new SimFlash();
    const code = "var a=1;var b=2;var c=3;";
    f.write(".bootcde", code.slice(0, 8), 0, code.length);
    f.armPowerCut(3);
    f.write(".bootcde", code.slice(8, 11), 8);
    expect(() => f.write(".bootcde", code.slice(11, 16), 11)).toThrow(PowerCutError);
    expect(f.read(".bootcde")).toBe(code.slice(0, 11) + FF.repeat(code.length - 11));
  });

  it("disarm() cancels an armed cut", () => {
    const f = new SimFlash();
    f.armPowerCut(1);
    f.disarm();
    expect(f.write("a", "long enough")).toBe(true);
    expect(f.wasCut()).toBe(false);
  });
});
