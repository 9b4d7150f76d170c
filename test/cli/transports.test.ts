/**
 * One end-to-end provisioning suite, written once and run over every transport: the
 * in-process simulator, TCP (the simulator's UART socket), and node-serialport on a real pty
 * made by socat in front of the UART socket. Each provisions through the library (provisionWithLedger with a ledger
 * and an import file), then checks what an administrator would: the import line's secret gives
 * (by otplib) the code the token shows when pressed, HELLO reports the serial, the ledger row is
 * provisioned, and VERIFY proves the token holds that secret (and not another).
 * Then the CLI itself over TCP, over the pty, and on `--port sim`.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { SimulatedToken } from "../../hardware/sim/token.js";
import { listenUart } from "../../hardware/sim/uart-server.js";
import { SimTransport } from "../../host/transport/sim-transport.js";
import { TcpTransport } from "../../host/transport/tcp-transport.js";
import { isLoopbackAddress } from "../../host/transport/open.js";
import { SerialTransport } from "../../host/transport/serial-transport.js";
import type { Transport } from "../../host/transport/transport.js";
import { TokenClient } from "../../host/device/client.js";
import { openLedger } from "../../host/ledger/ledger.js";
import { ImportFile } from "../../host/provision/import-file.js";
import { provisionWithLedger, type ProfileChoice } from "../../host/provision/job.js";
import { cleanupHomes, helloOf, newHome, oracle, readDuoFile, runCli, shownCode, socatPath, startPty } from "./support.js";

const socat = socatPath();
const inCi = process.env.CI === "true";
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => cleanupHomes());

/** A link from the host to `token`: the transport, and what it needs torn down. */
interface LinkKind {
  name: string;
  /** Why it cannot run here, or null. */
  unavailable: string | null;
  open(token: SimulatedToken): Promise<Transport>;
}

const links: LinkKind[] = [
  {
    name: "in-process simulator (SimTransport)",
    unavailable: null,
    open: async (token) => new SimTransport(token),
  },
  {
    name: "TCP (listenUart + TcpTransport)",
    unavailable: null,
    open: async (token) => {
      const server = await listenUart(token, "127.0.0.1", 0);
      cleanups.push(() => server.close());
      return TcpTransport.connect(`tcp://127.0.0.1:${server.port}`);
    },
  },
  {
    name: "pty (socat pty <-> listenUart, node-serialport on a real device)",
    unavailable: socat === null ? "socat is not on PATH" : null,
    open: async (token) => {
      const server = await listenUart(token, "127.0.0.1", 0);
      cleanups.push(() => server.close());
      const pty = await startPty(socat!, server.port, mkdtempSync(path.join(newHome("pty"), "x-")));
      cleanups.push(() => pty.stop());
      return SerialTransport.open(pty.path);
    },
  },
];

const profile: ProfileChoice = { label: "Transport", kind: "totp", algorithm: "SHA1", digits: 6, period: 30, counter: 0 };

describe.each(links)("provisioning over $name", (link) => {
  if (link.unavailable !== null && inCi) {
    it("is required under CI=true", () => {
      throw new Error(`${link.name}: ${link.unavailable}. CI must install it (apt-get install socat).`);
    });
    return;
  }

  it.skipIf(link.unavailable !== null)(`provisions, and the token shows the import line's code${link.unavailable ? ` (SKIPPED: ${link.unavailable})` : ""}`, async () => {
    const home = newHome("transport");
    const token = new SimulatedToken({ deviceId: randomBytes(6).toString("hex") });
    token.powerOn();
    const ledger = openLedger(path.join(home, "ledger.sqlite"));
    cleanups.push(() => ledger.close());
    const importFile = new ImportFile(path.join(home, "import.csv"), "duo");
    const transport = await link.open(token);
    const client = new TokenClient(transport);
    cleanups.push(async () => {
      client.close();
      await transport.close();
    });
    const now = () => Math.floor(Date.now() / 1000);

    const done = await provisionWithLedger(client, { ledger, profile, importFile, escrow: false, now }, null, () => "TS-LINK-1");
    expect(done).toMatchObject({ serial: "TS-LINK-1", tokenId: token.options.deviceId, resumed: false });

    const lines = readDuoFile(importFile.path);
    expect(lines.map((l) => l.serial)).toEqual(["TS-LINK-1"]);
    const secret = lines[0].secret;
    expect(secret.length).toBe(20);

    const hello = await client.hello();
    expect(hello.serial).toBe("TS-LINK-1");
    expect(hello.state).toBe("ready");
    expect(Math.abs(hello.time - now())).toBeLessThanOrEqual(2);

    const row = ledger.getToken("TS-LINK-1");
    expect(row).toMatchObject({ state: "provisioned", tokenId: token.options.deviceId, hasManagementKey: true, hasEscrowedSeed: false });

    expect((await client.verify(1, secret, "SHA1")).proven).toBe(true);
    const other = Uint8Array.from(secret, (b, i) => (i === 0 ? b ^ 1 : b));
    expect((await client.verify(1, other, "SHA1")).proven).toBe(false);

    const shown = shownCode(token);
    expect(shown.code).toMatch(/^\d{6}$/);
    expect(shown.code).toBe(oracle(secret, shown.time));
    expect(shown.code).not.toBe(oracle(other, shown.time));
  });
});

describe("tcp:// leaves this computer only when told to", () => {
  it.each([
    ["tcp://127.0.0.1:7000", true],
    ["tcp://127.8.9.10:7000", true],
    ["tcp://localhost:7000", true],
    ["tcp://[::1]:7000", true],
    ["tcp://192.0.2.1:7000", false],
    ["tcp://127.0.0.1.example.com:7000", false],
    ["tcp://[::ffff:c000:201]:7000", false],
  ])("%s is loopback: %s", (address, loopback) => {
    expect(isLoopbackAddress(address)).toBe(loopback);
  });

  it.each(["tcp://127.0.0.1:99999", "tcp://127.0.0.1", "tcp://:7000", "tcp://127.0.0.1:0"])("a malformed address (%s) is bad input: exit 2, with the form to use", async (address) => {
    const run = await runCli(["info", "--port", address], { home: newHome("tcp-bad") });
    expect(run.stderr).toMatch(/is not a TCP address: write it as tcp:\/\/HOST:PORT \(port 1 to 65535\)/);
    expect(run.stderr).not.toMatch(/unexpected/);
    expect(run.code).toBe(2);
  });

  it("the CLI refuses tcp:// to another computer without --insecure-network, and says why", async () => {
    const home = newHome("tcp-remote");
    const refused = await runCli(["info", "--port", "tcp://192.0.2.1:7000"], { home });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/not on this computer: the wire protocol is not encrypted.*--insecure-network/);
    // With the flag the check lets it through (TEST-NET-1 does not answer: a connect error).
    const allowed = await runCli(["--insecure-network", "info", "--port", "tcp://192.0.2.1:7000"], { home });
    expect(allowed.code).not.toBe(0);
    expect(allowed.stderr).toMatch(/cannot connect to tcp:\/\/192\.0\.2\.1:7000/);
  });
});

describe("the CLI, per transport", () => {
  async function tcpToken() {
    const token = new SimulatedToken({ deviceId: randomBytes(6).toString("hex") });
    token.powerOn();
    const server = await listenUart(token, "127.0.0.1", 0);
    cleanups.push(() => server.close());
    return { token, port: server.port };
  }

  async function checkProvisioned(home: string, out: string, token: SimulatedToken, stdout: string) {
    const lines = readDuoFile(out);
    expect(lines.map((l) => l.serial)).toEqual(["TS-000001"]);
    expect(stdout).toContain("provisioned TS-000001");
    const hello = await helloOf(token);
    expect(hello.serial).toBe("TS-000001");
    const ledger = openLedger(path.join(home, "ledger.sqlite"));
    try {
      expect(ledger.getToken("TS-000001")).toMatchObject({ state: "provisioned", tokenId: hello.id });
    } finally {
      ledger.close();
    }
    const shown = shownCode(token);
    expect(shown.code).toBe(oracle(lines[0].secret, shown.time));
  }

  it("tokensmith provision --port tcp://127.0.0.1:PORT --prefix TS- --out FILE", async () => {
    const home = newHome("cli-tcp");
    const { token, port } = await tcpToken();
    const out = path.join(home, "duo.csv");
    const run = await runCli(["provision", "--port", `tcp://127.0.0.1:${port}`, "--prefix", "TS-", "--out", out], { home });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    await checkProvisioned(home, out, token, run.stdout);
  });

  it.skipIf(socat === null && !inCi)(`tokensmith provision --port /path/to/pty (through socat)${socat === null && !inCi ? " (SKIPPED: socat is not on PATH)" : ""}`, async () => {
    if (socat === null) throw new Error("socat is not on PATH, and CI=true requires it (apt-get install socat)");
    const home = newHome("cli-pty");
    const { token, port } = await tcpToken();
    const pty = await startPty(socat, port, home);
    cleanups.push(() => pty.stop());
    const out = path.join(home, "duo.csv");
    const run = await runCli(["provision", "--port", pty.path, "--prefix", "TS-", "--out", out], { home });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    await pty.stop();
    await checkProvisioned(home, out, token, run.stdout);
  });

  it("tokensmith provision --port sim keeps the token in TOKENSMITH_HOME, and it shows the line's code", async () => {
    const home = newHome("cli-sim");
    const out = path.join(home, "duo.csv");
    const run = await runCli(["provision", "--port", "sim", "--prefix", "TS-", "--out", out], { home });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    // The same simulated token, powered up again from the flash the CLI saved.
    const token = new SimulatedToken({ flashFile: path.join(home, "sim-token-flash.json") });
    token.powerOn();
    await checkProvisioned(home, out, token, run.stdout);
  });
});
