import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../../hardware/sim/virtual-clock.js";
import { SimButton } from "../../../hardware/sim/devices/button.js";

const DEBOUNCE_MS = 25;

function record(clock: VirtualClock, button: SimButton) {
  const start = clock.nowMs();
  const edges: Array<[number, number]> = [];
  button.onEdge((level, time) => edges.push([level, time - start]));
  return edges;
}

describe("SimButton", () => {
  it("presses with a bouncing falling edge, holds low, releases with a bouncing rising edge", () => {
    const clock = new VirtualClock(5_000);
    const button = new SimButton(clock);
    const edges = record(clock, button);
    expect(button.level()).toBe(1);
    button.press(120);
    clock.advance(500);
    expect(edges).toEqual([
      [0, 0], [1, 1], [0, 2], [1, 3], [0, 4],
      [1, 120], [0, 121], [1, 122], [0, 123], [1, 124],
    ]);
    expect(button.level()).toBe(1);
    expect(button.isDown()).toBe(false);
  });

  it("keeps every bounce burst inside the debounce window, edges under 5 ms apart", () => {
    const clock = new VirtualClock(0);
    const button = new SimButton(clock, { bounceEdges: 6, bounceMs: 3.5 });
    const edges = record(clock, button);
    button.press(300);
    clock.advance(1000);
    expect(edges).toHaveLength(14);
    const press = edges.slice(0, 7);
    const release = edges.slice(7);
    for (const burst of [press, release]) {
      for (let i = 1; i < burst.length; i++) {
        expect(burst[i][1] - burst[i - 1][1]).toBeLessThan(5);
        expect(burst[i][0]).not.toBe(burst[i - 1][0]);
      }
      expect(burst.at(-1)![1] - burst[0][1]).toBeLessThan(DEBOUNCE_MS);
    }
    expect(press.at(-1)![0]).toBe(0);
    expect(release.at(-1)![0]).toBe(1);
  });

  it("reports level and isDown along the way", () => {
    const clock = new VirtualClock(0);
    const button = new SimButton(clock);
    button.press(100);
    expect(button.isDown()).toBe(false); // nothing has happened yet
    clock.advance(0);
    expect(button.isDown()).toBe(true);
    expect(button.level()).toBe(0);
    clock.advance(1);
    expect(button.level()).toBe(1); // bouncing
    clock.advance(10);
    expect(button.level()).toBe(0); // settled low
    clock.advance(89);
    expect(button.level()).toBe(1); // release started at 100 ms
    expect(button.isDown()).toBe(true);
    clock.advance(4);
    expect(button.isDown()).toBe(false);
  });

  it("yields exactly one press and one release through a 25 ms debounce (as Espruino's setWatch)", () => {
    const clock = new VirtualClock(0);
    const button = new SimButton(clock);
    const reported: Array<[number, number]> = [];
    let last = 1;
    let pending = 0;
    button.onEdge(() => {
      if (pending) clock.cancel(pending);
      pending = clock.schedule(DEBOUNCE_MS, () => {
        pending = 0;
        if (button.level() !== last) {
          last = button.level();
          reported.push([last, clock.nowMs()]);
        }
      });
    });
    button.press(200);
    clock.advance(1000);
    expect(reported).toEqual([[0, 4 + DEBOUNCE_MS], [1, 204 + DEBOUNCE_MS]]);
  });

  it("can be clean (no bounce), refuses overlapping presses and bad options", () => {
    const clock = new VirtualClock(0);
    const button = new SimButton(clock, { bounceEdges: 0 });
    const edges = record(clock, button);
    button.press(50);
    expect(() => button.press(50)).toThrow(/already pressed/);
    clock.advance(100);
    expect(edges).toEqual([[0, 0], [1, 50]]);
    button.press(10); // a new press once the last one is over
    expect(() => new SimButton(clock, { bounceEdges: 3 })).toThrow(RangeError);
    expect(() => new SimButton(clock, { bounceMs: 5 })).toThrow(RangeError);
    expect(() => new SimButton(clock, { bounceEdges: 8, bounceMs: 4 })).toThrow(/does not settle/);
    expect(() => new SimButton(clock).press(3)).toThrow(RangeError);
  });

  it("cancel() drops undelivered edges and returns the pin to rest", () => {
    const clock = new VirtualClock(0);
    const button = new SimButton(clock);
    const edges = record(clock, button);
    button.press(100);
    clock.advance(50);
    button.cancel();
    clock.advance(100);
    expect(edges).toHaveLength(5);
    expect(button.level()).toBe(1);
    expect(clock.pending()).toBe(0);
  });
});
