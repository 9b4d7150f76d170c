/**
 * Install figures (issue: install): bytes sent over the wire to install the firmware on a bare
 * simulated ESP32 versus the bundle's size, and the install time over a 115200-baud link: the
 * line time of every byte both ways (8N1: 10 bits a byte) plus the virtual time the chip took.
 */
import { readFileSync } from "node:fs";
import { SimulatedToken } from "../hardware/sim/token.js";
import { SimTransport } from "../host/transport/sim-transport.js";
import { install } from "../host/install/install.js";
import { artifactPath } from "../host/paths.js";
import { fmt, row } from "./measure.js";

export async function runInstallBenchmarks(): Promise<void> {
  console.log("\nInstalling the firmware on a bare simulated ESP32 (Espruino REPL)");
  const bundle = readFileSync(artifactPath("dist/espruino/tokensmith-firmware.js"), "latin1");
  const token = new SimulatedToken({ preinstallFirmware: false, deviceId: "bench0install" });
  token.powerOn();
  const link = new SimTransport(token);
  const virtualStart = token.clock.nowMs();
  const result = await install(link, bundle, {});
  const virtualMs = token.clock.nowMs() - virtualStart;
  await link.close();
  const f = result.figures;
  const lineSeconds = ((f.wireBytesSent + f.wireBytesReceived) * 10) / 115200;
  row("firmware bundle", `${fmt(f.bundleBytes)} bytes (slot image ${fmt(f.imageBytes)}, ${f.chunks} chunks)`);
  row("bytes sent to the device", `${fmt(f.wireBytesSent)} (x${fmt(f.wireBytesSent / f.bundleBytes, 2)} the bundle: base64 + REPL lines)`);
  row("bytes received from the device", fmt(f.wireBytesReceived));
  row("install time over 115200 baud (line time + chip time)", `${fmt(lineSeconds + virtualMs / 1000, 1)} s (line ${fmt(lineSeconds, 1)} s)`);
  row("result", `${result.action}: ${result.reason}; HELLO firmware ${result.hello?.firmware ?? "-"}`);
}
