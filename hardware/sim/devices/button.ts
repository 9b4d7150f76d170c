/**
 * The token's one button: a momentary switch from the pin to ground with the pin pulled up, so
 * the level is 1 at rest and 0 while pressed.
 *
 * press(holdMs) schedules, from now on the VirtualClock, what a real contact does:
 *   t = 0                    first falling edge (level 0)
 *   then `bounceEdges` edges alternating 1, 0, 1, 0 ... every `bounceMs`, ending at 0
 *   t = holdMs               first rising edge (level 1)
 *   then `bounceEdges` edges alternating 0, 1, ... every `bounceMs`, ending at 1
 * `bounceEdges` must be even (so each burst ends at the new level); the burst lasts
 * bounceEdges x bounceMs, which must stay under the 25 ms debounce window the firmware uses,
 * and bounceMs under 5 ms. Defaults: 4 bounce edges 1 ms apart (each burst over in 4 ms).
 * The contact is held (level 0) from the end of the press burst to holdMs.
 */
import type { VirtualClock } from "../virtual-clock.js";

export interface SimButtonOptions {
  /** Extra edges after the first at each transition (even, >= 0). Default 4. */
  bounceEdges?: number;
  /** Spacing of the bounce edges in ms (> 0, < 5). Default 1. */
  bounceMs?: number;
}

export type EdgeListener = (level: 0 | 1, timeMs: number) => void;

/** The debounce window the firmware uses; a bounce burst must be over within it. */
const DEBOUNCE_WINDOW_MS = 25;

export class SimButton {
  private readonly bounceEdges: number;
  private readonly bounceMs: number;
  private readonly listeners: EdgeListener[] = [];
  private pinLevel: 0 | 1 = 1;
  private down = false;
  /** A press has been scheduled and its last edge has not happened yet. */
  private busy = false;
  private scheduled: number[] = [];

  constructor(
    private readonly clock: VirtualClock,
    options: SimButtonOptions = {},
  ) {
    this.bounceEdges = options.bounceEdges ?? 4;
    this.bounceMs = options.bounceMs ?? 1;
    if (!Number.isInteger(this.bounceEdges) || this.bounceEdges < 0 || this.bounceEdges % 2 !== 0) {
      throw new RangeError(`SimButton: bounceEdges ${this.bounceEdges} must be an even number >= 0`);
    }
    if (this.bounceEdges > 0 && !(this.bounceMs > 0 && this.bounceMs < 5)) {
      throw new RangeError(`SimButton: bounceMs ${this.bounceMs} must be above 0 and below 5`);
    }
    if (this.bounceEdges * this.bounceMs >= DEBOUNCE_WINDOW_MS) {
      throw new RangeError(`SimButton: a bounce burst of ${this.bounceEdges * this.bounceMs} ms does not settle within ${DEBOUNCE_WINDOW_MS} ms`);
    }
  }

  /** Calls `listener` on every edge of the pin. Returns a function that removes it. */
  onEdge(listener: EdgeListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** How long one bounce burst lasts (ms). */
  burstMs(): number {
    return this.bounceEdges * this.bounceMs;
  }

  /**
   * Presses the button now and releases it `holdMs` later (both with bounce). holdMs must
   * exceed the bounce burst. Throws if a press is already in progress.
   */
  press(holdMs: number): void {
    if (this.busy) throw new Error("SimButton: already pressed");
    if (!(holdMs > this.burstMs())) throw new RangeError(`SimButton: hold ${holdMs} ms must be longer than the ${this.burstMs()} ms bounce`);
    this.busy = true;
    this.scheduled = [];
    this.burst(0, 0);
    this.burst(holdMs, 1);
  }

  /** Whether a press is in progress: from its first falling edge until its last rising edge. */
  isDown(): boolean {
    return this.down;
  }

  /** The pin level now: 1 at rest (pulled up), 0 while the contact is closed. */
  level(): 0 | 1 {
    return this.pinLevel;
  }

  /** Cancels any edges not yet delivered and returns the pin to rest (no edge is reported). */
  cancel(): void {
    for (const id of this.scheduled) this.clock.cancel(id);
    this.scheduled = [];
    this.pinLevel = 1;
    this.down = false;
    this.busy = false;
  }

  private burst(startMs: number, settle: 0 | 1): void {
    for (let k = 0; k <= this.bounceEdges; k++) {
      const level: 0 | 1 = k % 2 === 0 ? settle : settle === 0 ? 1 : 0;
      const first = settle === 0 && k === 0;
      const last = settle === 1 && k === this.bounceEdges;
      const id = this.clock.schedule(startMs + k * this.bounceMs, () => {
        this.pinLevel = level;
        if (first) this.down = true;
        if (last) {
          this.down = false;
          this.busy = false;
          this.scheduled = [];
        }
        const time = this.clock.nowMs();
        for (const listener of [...this.listeners]) listener(level, time);
      });
      this.scheduled.push(id);
    }
  }
}
