/**
 * The firmware on the GENUINE Espruino (../shared/tools, configured like an ESP32 with 4,000
 * JsVars), installed by the project's installer over a socat pty and booted from Storage as a
 * board boots it (hardware/genuine): the JsVars it holds, its peaks, and how long a press takes
 * to put a code on the display. The harness's own variables are subtracted.
 */
import { existsSync, readFileSync } from "node:fs";
import { GenuineToken, socatBinary } from "../hardware/genuine/genuine-token.js";
import { genuineEspruino } from "../hardware/genuine/interpreters.js";
import { SerialTransport } from "../host/transport/serial-transport.js";
import { TokenClient, type ProfileSpec } from "../host/device/client.js";
import { install } from "../host/install/install.js";
import { artifactPath } from "../host/paths.js";
import { row } from "./measure.js";

const MKEY = Buffer.alloc(16, 9);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function profile(i: number, algorithm: "SHA1" | "SHA256"): ProfileSpec {
  return { label: `P${i}`, kind: "totp", algorithm, digits: 6, period: 30, secret: Buffer.alloc(algorithm === "SHA1" ? 20 : 32, i + 1) };
}

export async function runDeviceBenchmarks(): Promise<void> {
  console.log("\nThe firmware on the genuine Espruino (espruino-esp32-4000, from Storage)");
  const binary = genuineEspruino(4000);
  if (!binary || !socatBinary()) {
    row("genuine Espruino figures", "skipped: needs ../shared/tools/espruino and socat");
    return;
  }
  const token = new GenuineToken({ binary });
  try {
    await token.powerOn();
    const link = await SerialTransport.open(token.port);
    await install(link, readFileSync(artifactPath("dist/espruino/tokensmith-firmware.js"), "latin1"));
    const client = new TokenClient(link, { timeoutMs: 10_000, retries: 1 });
    const own = (n: number) => n - token.bootUsage;
    const boot = await token.memory(true);
    row("JsVars held after boot (firmware only)", `${own(boot.usage)} (heap ${boot.total}; ${boot.usage} with the interpreter and the bench harness)`);

    await client.setTime(Math.floor(Date.now() / 1000));
    await client.provision("BENCH-1", MKEY, [profile(0, "SHA1")]);
    const one = await token.memory(true);
    row("JsVars after provisioning one profile: at rest / peak", `${own(one.usage)} / ${own(one.peak)}`);

    // Press-to-code: from the release (the firmware acts on it) to the display's last write.
    await sleep(31_000); // the display turns off after 30 s: the next press draws a new code
    const pressedAt = Date.now();
    const frame = await token.press(120);
    row("press to code on the display (native SHA-1, 25 ms debounce included)", `${frame.drawnAtMs - pressedAt - 120} ms`);

    await client.provision("BENCH-8", MKEY, [0, 1, 2, 3, 4, 5, 6, 7].map((i) => profile(i, i < 4 ? "SHA1" : "SHA256")), MKEY);
    const eight = await token.memory(true);
    row("JsVars provisioning eight profiles: at rest / peak", `${own(eight.usage)} / ${own(eight.peak)} (75 % of the heap is ${boot.total * 0.75})`);
    client.close();
    await link.close();
  } catch (error) {
    row("genuine Espruino figures", `failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await token.dispose();
  }
  const table = artifactPath("dist/device-memory-4000.json");
  if (existsSync(table)) {
    console.log("  per scenario of the device suite (firmware JsVars, at rest / peak since that token booted):");
    for (const r of JSON.parse(readFileSync(table, "utf8")) as Array<{ scenario: string; rest: number; peak: number; harness: number }>) {
      row(`  ${r.scenario}`, `${r.rest - r.harness} / ${r.peak - r.harness}`);
    }
  } else {
    row("per-scenario table", "run the device suite first (npx vitest run test/device)");
  }
}
