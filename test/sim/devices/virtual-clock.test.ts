import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../../hardware/sim/virtual-clock.js";

describe("VirtualClock", () => {
  it("runs callbacks in due-time order, ties in scheduling order, each at its due time", () => {
    const clock = new VirtualClock(1_000_000);
    const log: string[] = [];
    const at = (label: string) => () => log.push(`${label}@${clock.nowMs() - 1_000_000}`);
    clock.schedule(30, at("c"));
    clock.schedule(10, at("a1"));
    clock.schedule(20, at("b"));
    clock.schedule(10, at("a2"));
    clock.schedule(10, at("a3"));
    clock.advance(25);
    expect(log).toEqual(["a1@10", "a2@10", "a3@10", "b@20"]);
    expect(clock.nowMs()).toBe(1_000_025);
    clock.advance(5);
    expect(log.at(-1)).toBe("c@30");
    expect(clock.pending()).toBe(0);
  });

  it("lets callbacks schedule more, including at the same instant (after those already due)", () => {
    const clock = new VirtualClock(0);
    const log: string[] = [];
    clock.schedule(10, () => {
      log.push(`first@${clock.nowMs()}`);
      clock.schedule(0, () => log.push(`zero-delay@${clock.nowMs()}`));
      clock.schedule(5, () => log.push(`chained@${clock.nowMs()}`));
    });
    clock.schedule(10, () => log.push(`second@${clock.nowMs()}`));
    clock.advance(100);
    expect(log).toEqual(["first@10", "second@10", "zero-delay@10", "chained@15"]);
  });

  it("cancels, counts pending, and ignores unknown ids", () => {
    const clock = new VirtualClock(0);
    let ran = 0;
    const id = clock.schedule(5, () => ran++);
    clock.schedule(6, () => ran++);
    expect(clock.pending()).toBe(2);
    clock.cancel(id);
    clock.cancel(9999);
    expect(clock.pending()).toBe(1);
    expect(clock.nextDueMs()).toBe(6);
    clock.advance(10);
    expect(ran).toBe(1);
    expect(clock.pending()).toBe(0);
  });

  it("runUntilIdle stops at the last callback, or at the limit when work remains", () => {
    const clock = new VirtualClock(0);
    clock.schedule(40, () => undefined);
    expect(clock.runUntilIdle(1000)).toBe(true);
    expect(clock.nowMs()).toBe(40);

    const tick = () => void clock.schedule(100, tick); // a setInterval that never ends
    clock.schedule(100, tick);
    expect(clock.runUntilIdle(1000)).toBe(false);
    expect(clock.nowMs()).toBe(1040);
    expect(clock.pending()).toBe(1);
  });

  it("treats negative and NaN delays as 0 and refuses to run time from inside a callback", () => {
    const clock = new VirtualClock(0);
    const seen: number[] = [];
    clock.schedule(-5, () => seen.push(clock.nowMs()));
    clock.schedule(Number.NaN, () => seen.push(clock.nowMs()));
    clock.advance(0);
    expect(seen).toEqual([0, 0]);
    clock.schedule(1, () => clock.advance(1));
    expect(() => clock.advance(5)).toThrow(/inside a scheduled callback/);
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });

  it("is deterministic for a random schedule (same order on every run)", () => {
    const run = () => {
      const clock = new VirtualClock(0);
      const order: number[] = [];
      let seed = 42;
      for (let i = 0; i < 500; i++) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        const n = i;
        clock.schedule(seed % 50, () => order.push(n));
      }
      clock.advance(50);
      return order;
    };
    const a = run();
    expect(a).toHaveLength(500);
    expect(run()).toEqual(a);
  });
});
