/**
 * Token figures (issue: the token): firmware bundle size; SHA-1 compressions per press (pure
 * path); I2C bytes sent to the display per refresh. The genuine interpreter's figures are in
 * device.bench.ts.
 */
import { statSync } from "node:fs";
import { SimulatedToken } from "../hardware/sim/token.js";
import { SimTransport } from "../host/transport/sim-transport.js";
import { TokenClient } from "../host/device/client.js";
import { artifactPath } from "../host/paths.js";
import { fmt, row } from "./measure.js";

const SSD1306 = 0x3c;

async function simFigures(): Promise<void> {
  const token = new SimulatedToken({ nativeCrypto: false, rtcUnixSeconds: 1795348800 + 3 });
  token.powerOn();
  const client = new TokenClient(new SimTransport(token));
  await client.provision("BENCH-1", Buffer.alloc(16, 1), [
    { label: "Bench", kind: "totp", algorithm: "SHA1", digits: 6, period: 30, secret: Buffer.alloc(20, 7) },
  ]);
  token.advance(200); // display off, then deep sleep: the next press is a wake (a boot)
  const bytes = () => token.bus.bytesWritten(SSD1306);
  let b0 = bytes();
  token.press();
  token.advanceMs(300);
  const firstPress = token.compressions(); // counted from this boot
  const firstPressBytes = bytes() - b0;
  let c0 = token.compressions();
  token.press();
  token.advanceMs(300);
  const laterPress = token.compressions() - c0;
  b0 = bytes();
  token.advanceMs(1000); // one countdown tick, same window (or the change: measured below)
  const tickBytes = bytes() - b0;
  // Step a second at a time until the window changes; measure that step.
  let rolloverBytes = 0;
  let rolloverCompressions = 0;
  for (let i = 0; i < 31 && rolloverCompressions === 0; i++) {
    b0 = bytes();
    c0 = token.compressions();
    token.advanceMs(1000);
    rolloverBytes = bytes() - b0;
    rolloverCompressions = token.compressions() - c0;
  }
  row("SHA-1 compressions, first press after a wake (pads + code)", String(firstPress));
  row("SHA-1 compressions, a press while awake, same window", `${laterPress} (the code on screen is kept)`);
  row("SHA-1 compressions, new window while shown", String(rolloverCompressions));
  row("I2C bytes to the display: wake and show a code", String(firstPressBytes));
  row("I2C bytes to the display: countdown tick", String(tickBytes));
  row("I2C bytes to the display: new code at the window change", `${rolloverBytes} (a full frame is ${1024 + 6}+)`);
}

export async function runFirmwareBenchmarks(): Promise<void> {
  console.log("\nToken firmware");
  const size = statSync(artifactPath("dist/espruino/tokensmith-firmware.js")).size;
  row("firmware bundle, minified (dist/espruino/tokensmith-firmware.js)", `${fmt(size)} bytes`);
  await simFigures();
}
