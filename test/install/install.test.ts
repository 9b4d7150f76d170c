/**
 * `tokensmith install` end to end on the simulator: a bare ESP32 (Espruino only, its REPL on
 * Serial1) gets the firmware through the simulated REPL, reboots into it, is provisioned and
 * shows codes otplib agrees with; re-installs are no-ops unless forced; a provisioned token is
 * updated only with its button held and keeps its records; and an upgrade cut off at any chunk
 * boundary (and mid-chunk) leaves the previous firmware booting.
 */
import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { FIRMWARE_BUNDLE, SimulatedToken } from "../../hardware/sim/token.js";
import { artifactPath } from "../../host/paths.js";
import { SimTransport } from "../../host/transport/sim-transport.js";
import { TokenClient } from "../../host/device/client.js";
import { HOLD_BUTTON_MESSAGE, InstallError, install, type InstallOptions } from "../../host/install/install.js";
import { ReplDriver, XOFF, XON } from "../../host/install/repl-driver.js";
import { LOADER_SOURCE, SLOT_HEADER_BYTES, slotImage } from "../../host/install/slots.js";
import { Listeners, type Transport } from "../../host/transport/transport.js";
import { FIRMWARE_VERSION } from "../../firmware/app/version.js";
import { MKEY, bootToken, nowOf, oracleTotp, press, totpProfile } from "../sim/support.js";
import { readCode } from "../sim/display-reader.js";

const V1 = readFileSync(artifactPath(FIRMWARE_BUNDLE), "latin1");
const V2_VERSION = "0.1.99";
const V2 = V1.replace(`"firmware","${FIRMWARE_VERSION}"`, `"firmware","${V2_VERSION}"`);
/** Real-time waits kept short: the simulator answers synchronously. */
const FAST: InstallOptions = { helloTimeoutMs: 40, replTimeoutMs: 150 };

/**
 * Two firmware slots and the records: an ESP32's Storage has 896 KB; 128 KiB keeps the
 * full-flash arithmetic of these tests small while holding two copies of the bundle.
 */
const INSTALL_FLASH_BYTES = 128 * 1024;

function bareToken(options: { nativeCrypto?: boolean; flashFile?: string; radiosOn?: boolean } = {}) {
  return bootToken({ preinstallFirmware: false, flashCapacity: INSTALL_FLASH_BYTES, ...options });
}

function flashImage(token: SimulatedToken): Record<string, string> {
  return Object.fromEntries(token.flash.list().map((name) => [name, token.flash.read(name)!]));
}

async function helloOf(token: SimulatedToken) {
  const client = new TokenClient(new SimTransport(token), { timeoutMs: 100, retries: 1 });
  try {
    return await client.hello();
  } finally {
    client.close();
  }
}

describe("the simulated Espruino REPL", () => {
  it("the upgrade bundle differs from the built one only in its version", () => {
    expect(V2).not.toBe(V1);
    expect(V2.length).toBe(V1.length + V2_VERSION.length - FIRMWARE_VERSION.length);
  });

  it("evaluates typed lines like Espruino: =result, echo off with 0x10, Ctrl-C, Uncaught", () => {
    const { token } = bareToken();
    expect(token.bootedFrom).toBe("repl");
    expect(token.replOnUart()).toBe(true);
    const typed = (text: string) => {
      const from = token.uartLog.length;
      token.sendToToken(text);
      return token.uartLog.slice(from).join("");
    };
    expect(typed("1+2\n")).toBe("1+2\r\n=3\r\n>");
    expect(typed("\x10print(6*7)\n")).toBe("42\r\n"); // no echo, no =result
    expect(typed("var x = 5\n")).toContain("=undefined");
    expect(typed("\x10x*2\n")).toBe("");
    expect(typed("half a li\x03")).toBe("half a li\r\n>");
    expect(typed("x+1\n")).toContain("=6"); // the half line was dropped
    expect(typed("foo(\n")).toMatch(/Uncaught SyntaxError/);
    expect(typed("nope()\n")).toMatch(/Uncaught ReferenceError: nope is not defined/);
    expect(typed('[process.env.VERSION, process.env.BOARD, process.version]\n')).toContain('=["2v29","ESP32","2v29"]');
    expect(typed('require("Storage").write("f",atob("aGk="))\n')).toContain("=true");
    expect(token.flash.read("f")).toBe("hi");
  });

  it("runs .bootcde at power-on, and load() restarts from it", () => {
    const { token } = bareToken();
    token.sendToToken('\x10require("Storage").write(".bootcde","Serial1.write(\\"booted\\\\n\\")")\n');
    token.sendToToken("\x10load()\n");
    token.advanceMs(10);
    expect(token.bootedFrom).toBe(".bootcde");
    expect(token.uartLog.at(-1)).toBe("booted\n");
  });

  it("the driver honours XON/XOFF: nothing is written between 0x13 and 0x11", async () => {
    const data = new Listeners<string>();
    const writes: Array<{ text: string; paused: boolean }> = [];
    let paused = false;
    const fake: Transport = {
      description: "fake",
      write: async (text) => {
        writes.push({ text, paused });
        if (writes.length === 2) {
          paused = true;
          data.emit(XOFF);
          setTimeout(() => {
            paused = false;
            data.emit(XON);
          }, 30);
        }
        if (text.includes("\n")) {
          const id = /\[(\d+),/.exec(writes.map((w) => w.text).join(""))![1];
          data.emit(`=[${id},"ok"]\r\n`);
        }
      },
      onData: (listener) => data.add(listener),
      onClose: () => () => undefined,
      close: async () => undefined,
    };
    const driver = new ReplDriver(fake, { pieceBytes: 16, pause: async () => undefined });
    expect(await driver.evaluate(`"${"x".repeat(100)}".length&&"ok"`)).toBe("ok");
    expect(writes.length).toBeGreaterThan(4);
    expect(writes.filter((w) => w.paused)).toEqual([]);
  });
});

describe("install onto a bare ESP32", () => {
  it("uploads, reboots into the firmware, which provisions and shows otplib's code", async () => {
    const { token, client } = bareToken();
    const transport = new SimTransport(token);
    let progressCalls = 0;
    const result = await install(transport, V1, { ...FAST, progress: () => (progressCalls += 1) });
    expect(result.action).toBe("installed");
    expect(result.espruino).toEqual({ version: "2v29", board: "ESP32", hasCrypto: true });
    expect(result.hashPath).toBe("native");
    expect(result.slot).toBe("tsfw.a");
    expect(progressCalls).toBe(result.figures.chunks);
    expect(result.hello?.firmware).toBe(FIRMWARE_VERSION);
    expect(token.bootedFrom).toBe(".bootcde");
    expect(token.flash.read(".bootcde")).toBe(LOADER_SOURCE);
    expect(token.flash.read("tsfw.a")).toBe(slotImage(V1, 1));
    const f = result.figures;
    console.info(
      `install figures: bundle ${f.bundleBytes} bytes, slot image ${f.imageBytes} bytes in ${f.chunks} chunks; ` +
        `${f.wireBytesSent} bytes on the wire (${(f.wireBytesSent / f.bundleBytes).toFixed(2)}x the bundle), ${f.wireBytesReceived} back; ` +
        `~${f.secondsAt115200.toFixed(1)} s at 115200 baud`,
    );

    const secret = randomBytes(20);
    await client.provision("TS-INSTALL-1", MKEY, [totpProfile(secret)]);
    const hello = await client.hello();
    expect(hello).toMatchObject({ serial: "TS-INSTALL-1", state: "ready", firmware: FIRMWARE_VERSION, hash: "native" });
    press(token);
    expect(readCode(token.display)).toBe(oracleTotp(secret, nowOf(token)));
    expect(token.uncaught).toEqual([]);
  });

  it("a freshly flashed ESP32 with its radios on: Bluetooth and Wi-Fi are switched off first, then the firmware installs", async () => {
    const { token } = bareToken({ radiosOn: true });
    const lines: string[] = [];
    const result = await install(new SimTransport(token), V1, { ...FAST, log: (line) => lines.push(line) });
    expect(result.action).toBe("installed");
    expect(token.radios).toEqual({ ble: false, wifi: false });
    expect(lines.filter((l) => /switching .* off/.test(l))).toEqual([
      "switching Bluetooth off (ESP32.enableBLE(false)): the board restarts",
      "switching Wi-Fi off (ESP32.enableWifi(false)): the board restarts",
    ]);
    expect(result.hello?.firmware).toBe(FIRMWARE_VERSION);
    // A second install finds the radios off and leaves them (each switch would erase .bootcde).
    const again = await install(new SimTransport(token), V1, { ...FAST, log: (line) => lines.push(line) });
    expect(again.action).toBe("unchanged");
    expect(lines.filter((l) => /switching/.test(l))).toHaveLength(2);
    expect(token.flash.read(".bootcde")).toBe(LOADER_SOURCE);
  });

  it("without crypto: reports the pure hash path, and the token hashes in JavaScript", async () => {
    const { token } = bareToken({ nativeCrypto: false });
    const result = await install(new SimTransport(token), V1, FAST);
    expect(result.espruino?.hasCrypto).toBe(false);
    expect(result.hashPath).toBe("pure");
    expect(result.hello?.hash).toBe("pure");
  });

  it("a re-install of the same version writes nothing unless forced", async () => {
    const { token } = bareToken();
    const transport = new SimTransport(token);
    await install(transport, V1, FAST);
    const writes = token.flash.writeCalls;
    const bytes = token.flash.bytesWrittenTotal;

    const again = await install(transport, V1, FAST);
    expect(again.action).toBe("unchanged");
    expect(again.reason).toMatch(/already installed/);
    expect(token.flash.writeCalls).toBe(writes);

    // At the prompt (MAINTENANCE by hand), the CRC computed on the device says the same.
    token.button.press(3000);
    token.advanceMs(50);
    await new TokenClient(transport, { timeoutMs: 100 }).maintenance();
    token.advanceMs(100);
    expect(token.replOnUart()).toBe(true);
    const atPrompt = await install(transport, V1, FAST);
    expect(atPrompt.action).toBe("unchanged");
    expect(atPrompt.reason).toMatch(/already in tsfw\.a/);
    expect(token.flash.bytesWrittenTotal).toBe(bytes);
    expect(atPrompt.hello?.firmware).toBe(FIRMWARE_VERSION); // rebooted back into the firmware
    token.advanceMs(3000);

    // --force: into the other slot, button held.
    token.button.press(3000);
    token.advanceMs(50);
    const forced = await install(transport, V1, { ...FAST, force: true });
    expect(forced.action).toBe("installed");
    expect(forced).toMatchObject({ slot: "tsfw.b", seq: 2, viaMaintenance: true });
    expect(token.flash.bytesWrittenTotal).toBeGreaterThan(bytes + V1.length);
  });
});

/**
 * A link that loses things, as a UART does: the answer to the first line that writes at
 * `offset` (the device wrote the chunk; its "=[id,true]" never arrives), or that line itself.
 */
class LossyLink extends SimTransport {
  private line = "";
  private dropAnswer = false;
  private dropping: string | null = null;
  losses = 0;

  constructor(
    token: SimulatedToken,
    private readonly offset: number,
    private readonly lose: "answer" | "line",
    private readonly times: number,
  ) {
    super(token);
  }

  override async write(text: string): Promise<void> {
    this.dropping = null;
    this.line += text;
    if (!text.includes("\n")) {
      if (this.lose === "line") return; // held back until the line is complete
      return super.write(text);
    }
    const line = this.line;
    this.line = "";
    const hit = line.includes(`,${this.offset},`) && this.losses < this.times;
    if (hit && this.lose === "line") {
      this.losses += 1;
      return; // never reaches the device
    }
    if (hit) {
      this.losses += 1;
      this.dropAnswer = true;
    }
    return super.write(this.lose === "line" ? line : text);
  }

  override onData(listener: (text: string) => void): () => void {
    // Every listener of the link (the byte counter, the driver) loses the same answer.
    return super.onData((text) => {
      if (this.dropAnswer && text.includes("=[")) {
        this.dropAnswer = false;
        this.dropping = text;
      }
      if (text !== this.dropping) listener(text);
    });
  }
}

describe("install over a link that loses bytes", () => {
  for (const lose of ["answer", "line"] as const) {
    it(`a chunk whose ${lose} is lost is sent again, and the slot verifies`, async () => {
      const { token } = bareToken();
      const link = new LossyLink(token, 6144, lose, 1);
      const log: string[] = [];
      const result = await install(link, V1, { ...FAST, log: (line) => log.push(line) });
      expect(link.losses).toBe(1);
      expect(result.action).toBe("installed");
      expect(token.flash.read("tsfw.a")).toBe(slotImage(V1, 1));
      expect(log.filter((line) => /^chunk 7: no answer from the Espruino prompt.*; sending it again$/.test(line)), log.join("\n")).toHaveLength(1);
      expect((await helloOf(token)).firmware).toBe(FIRMWARE_VERSION);
    });
  }

  it("a chunk lost every time: the install stops after three tries, and nothing half-written boots", async () => {
    const { token } = bareToken();
    const link = new LossyLink(token, 6144, "line", Infinity);
    await expect(install(link, V1, FAST)).rejects.toThrow(/no answer from the Espruino prompt/);
    expect(link.losses).toBe(3);
    expect(token.flash.read(".bootcde")).toBeUndefined(); // no loader: the bare board still boots to its prompt
  });
});

describe("install onto a provisioned token", () => {
  async function provisioned() {
    const rig = bareToken();
    await install(new SimTransport(rig.token), V1, FAST);
    const secret = randomBytes(20);
    await rig.client.provision("TS-KEEP-1", MKEY, [totpProfile(secret)]);
    return { ...rig, secret };
  }

  it("without the button held: fails with the hold-the-button message and changes nothing", async () => {
    const { token } = await provisioned();
    const before = flashImage(token);
    const writes = token.flash.writeCalls;
    await expect(install(new SimTransport(token), V2, { ...FAST, expectedVersion: V2_VERSION })).rejects.toThrow(HOLD_BUTTON_MESSAGE);
    await expect(install(new SimTransport(token), V2, { ...FAST, expectedVersion: V2_VERSION })).rejects.toBeInstanceOf(InstallError);
    expect(flashImage(token)).toEqual(before);
    expect(token.flash.writeCalls).toBe(writes);
    expect(token.replOnUart()).toBe(false);
    expect((await helloOf(token)).firmware).toBe(FIRMWARE_VERSION);
  });

  it("with the button held: upgrades, and the records survive (serial, codes)", async () => {
    const { token, secret } = await provisioned();
    const records = Object.fromEntries(Object.entries(flashImage(token)).filter(([name]) => name.startsWith("tsrec")));
    token.button.press(4000);
    token.advanceMs(50);
    const result = await install(new SimTransport(token), V2, { ...FAST, expectedVersion: V2_VERSION });
    expect(result).toMatchObject({ action: "installed", viaMaintenance: true, previousFirmware: FIRMWARE_VERSION, slot: "tsfw.b", seq: 2 });
    expect(result.hello).toMatchObject({ firmware: V2_VERSION, serial: "TS-KEEP-1", state: "ready" });
    token.advanceMs(5000); // let go of the button
    for (const [name, data] of Object.entries(records)) expect(token.flash.read(name)).toBe(data);
    press(token);
    expect(readCode(token.display)).toBe(oracleTotp(secret, nowOf(token)));
    // Power cycle: the new slot still boots.
    token.powerOff();
    token.powerOn();
    expect(await helloOf(token)).toMatchObject({ firmware: V2_VERSION, serial: "TS-KEEP-1" });
  });
});

describe("an upgrade cut off at any chunk leaves the previous firmware booting", () => {
  /** A provisioned token on `from`, saved; each case starts from that flash. */
  async function snapshotWith(bundles: Array<[string, string]>): Promise<string> {
    const dir = mkdtempSync(path.join(tmpdir(), "ts-install-"));
    const file = path.join(dir, "flash.json");
    const { token, client } = bareToken();
    for (const [bundle, version] of bundles) {
      token.button.press(3000);
      token.advanceMs(50);
      await install(new SimTransport(token), bundle, { ...FAST, expectedVersion: version, force: true });
      token.advanceMs(4000);
      if ((await client.hello()).serial === "") await client.provision("TS-CUT-1", MKEY, [totpProfile(randomBytes(20))]);
    }
    token.flash.save(file);
    return file;
  }

  function fromSnapshot(file: string): SimulatedToken {
    const { token } = bootToken({ preinstallFirmware: false, flashFile: file });
    return token;
  }

  async function upgrade(token: SimulatedToken, bundle: string, version: string) {
    token.button.press(3000);
    token.advanceMs(50);
    return install(new SimTransport(token), bundle, { ...FAST, expectedVersion: version });
  }

  const cases = [
    { name: "v1 in tsfw.a, upgrade writes a new tsfw.b", history: [[V1, FIRMWARE_VERSION]] as Array<[string, string]>, target: "tsfw.b", erase: 0 },
    {
      name: "v2 in tsfw.b over v1 in tsfw.a, upgrade replaces tsfw.a",
      history: [
        [V1, FIRMWARE_VERSION],
        [V2, V2_VERSION],
      ] as Array<[string, string]>,
      target: "tsfw.a",
      erase: 4,
    },
  ];

  it.each(cases)("$name", async ({ history, target, erase }) => {
    const file = await snapshotWith(history);
    const [, previous] = history.at(-1)!;
    const next = history.length === 1 ? V2 : V1.replace(`"firmware","${FIRMWARE_VERSION}"`, `"firmware","0.2.0"`);
    const nextVersion = history.length === 1 ? V2_VERSION : "0.2.0";

    // Uncut: exactly the slot's erase marker, header and bytes are programmed.
    const whole = fromSnapshot(file);
    const before = whole.flash.bytesWrittenTotal;
    const done = await upgrade(whole, next, nextVersion);
    expect(done.slot).toBe(target);
    const image = done.figures.imageBytes;
    const programmed = whole.flash.bytesWrittenTotal - before;
    expect(programmed).toBe(erase + 32 + image);

    const chunk = 1024;
    const points = new Set<number>([0, erase === 4 ? 2 : 0, erase + 16, erase + 32 + image - 1, erase + 32 + SLOT_HEADER_BYTES]);
    for (let at = 0; at < image; at += chunk) points.add(erase + 32 + at); // every chunk boundary
    for (const at of [1, 511, 1023, 5000, 17000, image - 700]) if (at < image) points.add(erase + 32 + at);

    let cut = 0;
    for (const budget of [...points].sort((a, b) => a - b)) {
      const token = fromSnapshot(file);
      const serial = (await helloOf(token)).serial;
      token.flash.armPowerCut(budget);
      await expect(upgrade(token, next, nextVersion), `cut after ${budget} bytes`).rejects.toThrow();
      expect(token.state, `cut after ${budget} bytes`).toBe("off");
      cut += 1;
      token.powerOn();
      const hello = await helloOf(token);
      expect(hello, `cut after ${budget} bytes: the previous firmware boots`).toMatchObject({ firmware: previous, serial });
      expect(token.uncaught).toEqual([]);
      if (budget === erase + 32 + 5000) {
        // And the install, run again, finishes the job.
        token.advanceMs(4000);
        expect((await upgrade(token, next, nextVersion)).hello?.firmware).toBe(nextVersion);
      }
    }
    console.info(`power cuts: ${cut} cut points over ${Math.ceil(image / chunk)} chunks (${image} bytes): every one booted firmware ${previous}`);
  });
});
