/**
 * Simulated tokens for a program that offers `--port sim` (the tokensmith CLI hands this to the
 * host library, which never imports the simulator itself: see host/simulator.ts for the shape).
 * A token opened with a flash file is the one kept there (its records and chip id), and its
 * flash is written back, owner-only, when the program is done with it.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { SimulatedToken } from "./token.js";
import { renderToTerminal } from "./render/terminal.js";

export const simulatorFactory = {
  newToken(options: { flashFile?: string } = {}) {
    const token = new SimulatedToken({ flashFile: options.flashFile });
    token.powerOn();
    return {
      sendToToken: (text: string) => token.sendToToken(text),
      on: (event: "uart", listener: (text: string) => void) => token.on(event, listener),
      off: (event: "uart", listener: (text: string) => void) => token.off(event, listener),
      advanceMs: (ms: number) => token.advanceMs(ms),
      press: () => token.press(),
      renderDisplay: (render: { color: boolean }) => renderToTerminal(token.display, render),
      saveFlash: () => {
        if (options.flashFile === undefined) return;
        mkdirSync(path.dirname(options.flashFile), { recursive: true, mode: 0o700 });
        token.flash.save(options.flashFile);
      },
      powerOff: () => token.powerOff(),
      /** The token itself, for tests that drive it further. */
      token,
    };
  },
};
