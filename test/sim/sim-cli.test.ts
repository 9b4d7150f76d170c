/**
 * `tokensmith sim` as a user runs it: a separate process, its UART on a TCP port, scripted
 * from stdin; the host reaches it through the TCP transport.
 */
import { afterEach, describe, expect, it } from "vitest";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, mkdtempSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PNG } from "pngjs";
import { readFileSync } from "node:fs";
import { TcpTransport } from "../../host/transport/tcp-transport.js";
import { TokenClient } from "../../host/device/client.js";
import { MKEY, secretFor } from "./support.js";

const bin = path.resolve("bin/tokensmith.js");
let child: ChildProcessWithoutNullStreams | null = null;

afterEach(() => {
  child?.kill("SIGKILL");
  child = null;
});

function startSim(args: string[], display = false): Promise<{ address: string; output: () => string }> {
  child = spawn(process.execPath, [bin, "sim", ...(display ? [] : ["--no-display"]), ...args], { stdio: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no address printed: ${output}`)), 10_000);
    child!.stdout.on("data", () => {
      const match = /listening on (\S+:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ address: match[1], output: () => output });
      }
    });
  });
}

const waitFor = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
};

describe("tokensmith sim", () => {
  it("prints where it listens (port 0 picks one) and speaks the protocol over TCP", async () => {
    const sim = await startSim(["--listen", "127.0.0.1:0"]);
    expect(sim.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(sim.address.endsWith(":0")).toBe(false);
    const transport = await TcpTransport.connect(`tcp://${sim.address}`);
    const client = new TokenClient(transport, { timeoutMs: 2000 });
    const hello = await client.hello();
    expect(hello.model).toBe("tokensmith-esp32");
    expect(hello.state).toBe("unprovisioned");
    await client.provision("TS-TCP", MKEY, [{ label: "tcp", kind: "totp", algorithm: "SHA1", digits: 6, period: 30, secret: secretFor(Buffer.alloc(20, 0x42)) }]);
    expect((await client.hello()).serial).toBe("TS-TCP");
    client.close();
    await transport.close();
  });

  it("--json: one JSON object a line (where it listens and its chip id first, then each reply), and no display drawn", async () => {
    const sim = await startSim(["--json", "--chip-id", "246f28a1b2c3"], true);
    child!.stdin.write("status\n");
    await waitFor(() => sim.output().split("\n").filter(Boolean).length >= 2, "the status reply");
    const lines = sim.output().split("\n").filter(Boolean).map((line) => JSON.parse(line));
    expect(lines[0]).toEqual({ message: expect.stringMatching(/^simulated token listening on /), listening: `tcp://${sim.address}`, chipId: "246f28a1b2c3" });
    expect(lines[1].message).toMatch(/state running, virtual time \d{4}-/);
    expect(sim.output()).not.toContain("┌");
  });

  it("takes control commands on stdin: press, snapshot, status, quit", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "tokensmith-sim-"));
    const picture = path.join(dir, "display.png");
    const sim = await startSim([]);
    child!.stdin.write(`press\nsnapshot ${picture}\nstatus\nbogus\n`);
    await waitFor(() => sim.output().includes("unknown command 'bogus'"), "the replies");
    expect(sim.output()).toContain("pressed");
    expect(sim.output()).toMatch(/state running, virtual time \d{4}-/);
    expect(existsSync(picture)).toBe(true);
    const png = PNG.sync.read(readFileSync(picture));
    expect([png.width, png.height]).toEqual([512, 256]);
    const exited = new Promise<number | null>((resolve) => child!.on("exit", (code) => resolve(code)));
    child!.stdin.write("quit\n");
    expect(await exited).toBe(0);
  });

  it("draws the display in the terminal, and redraws it when it changes", async () => {
    const sim = await startSim([], true);
    await waitFor(() => sim.output().includes("┌"), "the first picture");
    const before = sim.output().split("┌").length;
    child!.stdin.write("power-off\n"); // the panel goes dark: a different picture
    await waitFor(() => sim.output().split("┌").length > before, "a redraw");
    const picture = sim.output().slice(sim.output().lastIndexOf("┌"));
    expect(picture.split("\n").filter((line) => line.startsWith("│")).length).toBe(32); // 64 rows, two per line
  });

  it("--flash FILE keeps the token: written as the token writes (a killed session keeps it), read back by the next session", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "tokensmith-sim-flash-"));
    const file = path.join(dir, "token.json");
    const first = await startSim(["--flash", file, "--chip-id", "246f28a1b2c3"]);
    const transport = await TcpTransport.connect(`tcp://${first.address}`);
    const client = new TokenClient(transport, { timeoutMs: 2000 });
    await client.provision("TS-KEPT", MKEY, [{ label: "kept", kind: "totp", algorithm: "SHA1", digits: 6, period: 30, secret: secretFor(Buffer.alloc(20, 0x43)) }]);
    client.close();
    await transport.close();
    await waitFor(() => existsSync(file) && readFileSync(file, "utf8").includes("tsrec"), "the flash file to hold the record");
    child!.kill("SIGKILL"); // no goodbye: what was written is already in the file
    await new Promise((resolve) => child!.on("exit", resolve));
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const second = await startSim(["--flash", file]);
    const again = await TcpTransport.connect(`tcp://${second.address}`);
    const reader = new TokenClient(again, { timeoutMs: 2000 });
    const hello = await reader.hello();
    expect([hello.serial, hello.id, hello.state]).toEqual(["TS-KEPT", "246f28a1b2c3", "ready"]);
    reader.close();
    await again.close();
  });

  it("refuses a bad --listen with a clear message and exit code 2", async () => {
    const run = spawn(process.execPath, [bin, "sim", "--listen", "nonsense"], { stdio: "pipe" });
    let err = "";
    run.stderr.on("data", (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => run.on("exit", resolve));
    expect(code).toBe(2);
    expect(err).toContain("is not HOST:PORT");
  });
});
