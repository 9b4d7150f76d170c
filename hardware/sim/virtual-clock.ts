/**
 * Virtual time for the simulator: nothing in hardware/sim reads the wall clock.
 *
 * Callbacks are scheduled at a due time (now + delay) and run only when a test moves time on
 * with advance() or runUntilIdle(). They run in due-time order; callbacks due at the same
 * moment run in the order they were scheduled. While a callback runs, nowMs() is its due time,
 * and it may schedule (or cancel) further callbacks: one scheduled with delay 0 runs in the same
 * advance, after everything already due at that moment.
 */

interface Timer {
  id: number;
  due: number;
  /** Scheduling order, for ties. */
  seq: number;
  fn: () => void;
}

export class VirtualClock {
  private now: number;
  private nextId = 1;
  private nextSeq = 0;
  /** Live timers by id; the heap may still hold cancelled ones (dropped when they surface). */
  private readonly live = new Map<number, Timer>();
  private readonly heap: Timer[] = [];
  private running = false;

  constructor(startUnixMs: number) {
    if (!Number.isFinite(startUnixMs)) throw new RangeError(`VirtualClock: start time ${startUnixMs} is not a finite number`);
    this.now = startUnixMs;
  }

  /** The current virtual time, milliseconds since the Unix epoch. */
  nowMs(): number {
    return this.now;
  }

  /** Runs `fn` once, `delayMs` from now (negative or NaN delays count as 0). Returns an id for cancel(). */
  schedule(delayMs: number, fn: () => void): number {
    const delay = Number.isFinite(delayMs) && delayMs > 0 ? delayMs : 0;
    const timer: Timer = { id: this.nextId++, due: this.now + delay, seq: this.nextSeq++, fn };
    this.live.set(timer.id, timer);
    this.push(timer);
    return timer.id;
  }

  /** Cancels a scheduled callback; unknown or already-run ids are ignored. */
  cancel(id: number): void {
    this.live.delete(id);
  }

  /** The number of callbacks still scheduled. */
  pending(): number {
    return this.live.size;
  }

  /** The due time of the next scheduled callback, or undefined when none is scheduled. */
  nextDueMs(): number | undefined {
    this.dropCancelled();
    return this.heap.length > 0 ? this.heap[0].due : undefined;
  }

  /**
   * Moves time forward by `ms`, running every callback that falls due on the way (at its due
   * time), then leaves nowMs() at the end of the interval. An exception from a callback
   * propagates; time then stays at that callback's due time and the rest stay scheduled.
   */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`VirtualClock.advance: ${ms} is not a non-negative number of milliseconds`);
    const target = this.now + ms;
    this.runWhile((due) => due <= target);
    this.now = target;
  }

  /**
   * Runs callbacks until none is scheduled, but not past `limitMs` from now. Time stops at the
   * last callback run (it does not jump to the limit when the queue empties earlier). Returns
   * true when the queue emptied, false when the limit was reached first (time is then at the
   * limit), e.g. because of a setInterval.
   */
  runUntilIdle(limitMs: number): boolean {
    if (!Number.isFinite(limitMs) || limitMs < 0) throw new RangeError(`VirtualClock.runUntilIdle: ${limitMs} is not a non-negative number of milliseconds`);
    const limit = this.now + limitMs;
    this.runWhile((due) => due <= limit);
    if (this.live.size === 0) return true;
    this.now = limit;
    return false;
  }

  private runWhile(dueOk: (due: number) => boolean): void {
    if (this.running) {
      throw new Error("VirtualClock: advance/runUntilIdle called from inside a scheduled callback");
    }
    this.running = true;
    try {
      for (;;) {
        this.dropCancelled();
        const head = this.heap[0];
        if (head === undefined || !dueOk(head.due)) break;
        this.pop();
        this.live.delete(head.id);
        if (head.due > this.now) this.now = head.due;
        head.fn();
      }
    } finally {
      this.running = false;
    }
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && this.live.get(this.heap[0].id) !== this.heap[0]) this.pop();
  }

  // ---- binary heap on (due, seq) -------------------------------------------------------

  private static before(a: Timer, b: Timer): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  private push(timer: Timer): void {
    const heap = this.heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!VirtualClock.before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && VirtualClock.before(heap[left], heap[smallest])) smallest = left;
      if (right < heap.length && VirtualClock.before(heap[right], heap[smallest])) smallest = right;
      if (smallest === i) break;
      [heap[i], heap[smallest]] = [heap[smallest], heap[i]];
      i = smallest;
    }
  }
}
