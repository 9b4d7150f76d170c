/**
 * The simulated token, as the host library sees it. The library never imports the simulator
 * (hardware/sim): a program that offers `--port sim` (the tokensmith CLI does) hands in a
 * SimulatorFactory, and everything that needs a simulated token (the `sim` port, a batch of
 * fresh simulated tokens, the demo) gets it from there.
 */

/** A token that runs in this process: its UART is reached directly, its time is virtual. */
export interface InProcessToken {
  /** Bytes (a latin1 string) into the token's UART. */
  sendToToken(text: string): void;
  /** What the token writes to its UART. */
  on(event: "uart", listener: (text: string) => void): unknown;
  off(event: "uart", listener: (text: string) => void): unknown;
  /** Moves the token's virtual time on (its timers run). */
  advanceMs(ms: number): void;
}

/** A simulated token the factory made: powered on, with a button and a display. */
export interface SimulatedTokenHandle extends InProcessToken {
  press(): void;
  /** The display as terminal text (ANSI colours when `color`). */
  renderDisplay(options: { color: boolean }): string;
  /** Writes the token's flash to the file it was opened with (nothing without one). */
  saveFlash(): void;
  powerOff(): void;
}

export interface SimulatorFactory {
  /**
   * A new simulated token, powered on: with `flashFile`, the one kept in that file (created on
   * first use); otherwise a fresh one with its own random chip id.
   */
  newToken(options?: { flashFile?: string }): SimulatedTokenHandle;
}
