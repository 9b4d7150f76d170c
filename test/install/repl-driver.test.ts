/**
 * The REPL driver's reading of answers, against a scripted device: a value is the JSON array
 * the device prints, whatever REPL chatter follows it on the line; a cut answer is an error.
 */
import { describe, expect, it } from "vitest";
import { Listeners, type Transport } from "../../host/transport/transport.js";
import { ReplDriver, ReplError, ReplTimeoutError } from "../../host/install/repl-driver.js";

/** A device that answers each evaluate line with `reply(id)`. */
function scripted(reply: (id: number) => string): Transport {
  const data = new Listeners<string>();
  return {
    description: "scripted",
    write: async (text) => {
      const match = /JSON\.stringify\(\[(\d+),/.exec(text);
      if (match) setImmediate(() => data.emit(reply(Number(match[1]))));
    },
    onData: (listener) => data.add(listener),
    onClose: () => () => undefined,
    close: async () => undefined,
  };
}

describe("ReplDriver.evaluate", () => {
  it("takes the JSON array and ignores the REPL's chatter after it on the same line", async () => {
    const driver = new ReplDriver(scripted((id) => `=[${id},0]"\r\n>`), { timeoutMs: 1000 });
    expect(await driver.evaluate("0")).toBe(0);
    const objects = new ReplDriver(scripted((id) => `=[${id},{"a":[1,2]}]\r\n`), { timeoutMs: 1000 });
    expect(await objects.evaluate("x")).toEqual({ a: [1, 2] });
  });

  it("a cut answer is an error that quotes it", async () => {
    const driver = new ReplDriver(scripted((id) => `=[${id},{"a":1\r\n`), { timeoutMs: 1000 });
    await expect(driver.evaluate("x")).rejects.toThrow(ReplError);
    await expect(new ReplDriver(scripted((id) => `=[${id},{"a":1\r\n`), { timeoutMs: 1000 }).evaluate("x")).rejects.toThrow(/not JSON: \[\d+,\{"a":1/);
  });
});

describe("ReplDriver.evaluate, an answer the REPL shows as a string value", () => {
  // Seen on a loaded machine right after MAINTENANCE: the line came back as `="=[4,[\"2v29\",...]]"`,
  // the REPL displaying print()'s text as a value, with its quotes escaped.
  const shown = (id: number, json: string) => `=${JSON.stringify(`=[${id},${json}]`)}\r\n>`;

  it("is read as the value it carries, escaped quotes and all", async () => {
    const driver = new ReplDriver(scripted((id) => shown(id, '["2v29.277","LINUX_ESP32EMU_SH",true]')), { timeoutMs: 1000, pause: async () => undefined });
    expect(await driver.evaluate("[process.env.VERSION]")).toEqual(["2v29.277", "LINUX_ESP32EMU_SH", true]);
  });

  it("makes the driver clear the prompt (Ctrl-C and a handshake) before its next line, and a stray error then does not fail it", async () => {
    const data = new Listeners<string>();
    const written: string[] = [];
    let answers = 0;
    let strayError = true;
    const device: Transport = {
      description: "scripted",
      write: async (text) => {
        written.push(text);
        // What the REPL made of the rest of the mangled line arrives after the Ctrl-C.
        if (text === "\x03" && strayError) {
          strayError = false;
          setImmediate(() => data.emit("Uncaught SyntaxError: Got ')' expected EOF\r\n"));
        }
        const match = /JSON\.stringify\(\[(\d+),/.exec(text);
        if (match) {
          const id = Number(match[1]);
          setImmediate(() => data.emit(++answers === 1 ? shown(id, '{"a":"b"}') : `=[${id},${answers}]\r\n`));
        }
      },
      onData: (listener) => data.add(listener),
      onClose: () => () => undefined,
      close: async () => undefined,
    };
    const driver = new ReplDriver(device, { timeoutMs: 5000, pause: async () => undefined });
    expect(await driver.evaluate("x")).toEqual({ a: "b" });
    const ctrlC = () => written.filter((t) => t === "\x03").length;
    expect(ctrlC()).toBe(0);
    const answer = await driver.evaluate("y");
    expect(ctrlC()).toBeGreaterThanOrEqual(1); // the handshake came first
    expect(answer).toBe(answers); // and "y" got its own answer, the last one sent
    expect(answers).toBeGreaterThanOrEqual(3); // "x", at least one handshake, "y"
    expect(written.at(-1)).toMatch(/\(y\)/);
  });

  it("a line holding the marker but no whole string literal is still refused as not JSON", async () => {
    const driver = new ReplDriver(scripted((id) => `="=[${id},[\\"cut\r\n`), { timeoutMs: 1000, pause: async () => undefined });
    await expect(driver.evaluate("x")).rejects.toThrow(/not JSON/);
  });
});

describe("ReplDriver.sync", () => {
  it("tries again until the prompt answers: lines that reached a console not yet handed over are lost", async () => {
    let ignored = 2; // the firmware still had the console for the first two attempts
    const device = scripted((id) => `=[${id},0]\r\n>`);
    const write = device.write;
    device.write = async (text) => {
      if (text.includes("JSON.stringify") && ignored > 0) {
        ignored--;
        return;
      }
      await write(text);
    };
    const driver = new ReplDriver(device, { timeoutMs: 60_000, pause: async () => undefined });
    await driver.sync(60_000, 20);
    expect(ignored).toBe(0);
    await expect(driver.evaluate("1+1")).resolves.toBe(0);
  });

  it("gives up with a timeout when nothing ever answers", async () => {
    const silent = scripted(() => "");
    silent.write = async () => undefined;
    const driver = new ReplDriver(silent, { timeoutMs: 50, pause: async () => undefined });
    await expect(driver.sync(50)).rejects.toThrow(ReplTimeoutError);
  });
});
