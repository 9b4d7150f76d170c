/** `tokensmith sim` keeps time: virtual time follows the real time elapsed, not the ticks run. */
import { describe, expect, it } from "vitest";
import { realTimeFollower } from "../../hardware/sim/session.js";

describe("the sim session's clock", () => {
  it("a late tick advances by all the real time that passed, times the speed", () => {
    const times = [1000, 1050, 1100, 6100, 6101];
    let i = 0;
    const due = realTimeFollower(1, () => times[i++]);
    expect([due(), due(), due(), due()]).toEqual([50, 50, 5000, 1]);
  });

  it("fractions carry over, and speed scales", () => {
    const times = [0, 0.4, 0.8, 1.2, 10];
    let i = 0;
    const due = realTimeFollower(1, () => times[i++]);
    expect([due(), due(), due()]).toEqual([0, 0, 1]);
    let j = 0;
    const fast = realTimeFollower(60, () => [0, 1000][j++]);
    expect(fast()).toBe(60_000);
  });
});
