/**
 * `--port sim` reaches the simulator only through the SimulatorFactory the program injects:
 * the library refuses `sim` without one, and uses exactly the one it is given (here a fake
 * that answers like a token would not, so a hidden import of the real simulator would show).
 */
import { describe, expect, it } from "vitest";
import { openTransport, TransportError, type SimulatedTokenHandle, type SimulatorFactory } from "../../host/index.js";

function recordingFactory(): SimulatorFactory & { made: Array<{ flashFile?: string }>; heard: string[]; saved: number } {
  const factory = {
    made: [] as Array<{ flashFile?: string }>,
    heard: [] as string[],
    saved: 0,
    newToken(options: { flashFile?: string } = {}): SimulatedTokenHandle {
      factory.made.push(options);
      const listeners = new Set<(text: string) => void>();
      return {
        sendToToken: (text) => {
          factory.heard.push(text);
          for (const listener of listeners) listener(`echo ${text}`);
        },
        on: (_event, listener) => listeners.add(listener),
        off: (_event, listener) => listeners.delete(listener),
        advanceMs: () => undefined,
        press: () => undefined,
        renderDisplay: () => "",
        saveFlash: () => void factory.saved++,
        powerOff: () => undefined,
      };
    },
  };
  return factory;
}

describe("--port sim, through the injected factory", () => {
  it("is refused, saying why, when the program offers no simulator", async () => {
    await expect(openTransport("sim")).rejects.toThrow(TransportError);
    await expect(openTransport("sim")).rejects.toThrow(/--port sim: this program has no simulated token to offer/);
  });

  it("opens a token from the given factory, with its flash file, and saves the flash when closed", async () => {
    const factory = recordingFactory();
    const transport = await openTransport("sim", { simulator: factory, simFlashFile: "/nonexistent/flash.json" });
    const received: string[] = [];
    transport.onData((text) => received.push(text));
    await transport.write("HELLO\n");
    expect(factory.made).toEqual([{ flashFile: "/nonexistent/flash.json" }]);
    expect(factory.heard).toEqual(["HELLO\n"]);
    expect(received).toEqual(["echo HELLO\n"]);
    expect(factory.saved).toBe(0);
    await transport.close();
    expect(factory.saved).toBe(1);
    await expect(transport.write("again\n")).rejects.toThrow(TransportError);
  });
});
