/** `tokensmith devices`: serial ports, and which look like ESP32 boards. */
import type { Command } from "commander";
import { listPorts } from "../../index.js";
import { printJson, printLine, style } from "../output.js";

export function registerDevices(program: Command): void {
  program
    .command("devices")
    .description("List serial ports with their USB vendor/product ids and a guess at which are ESP32 boards")
    .option("--json", "machine-readable output")
    .action(async (o: { json?: boolean }) => {
      const ports = await listPorts();
      if (o.json) {
        printJson(ports);
        return;
      }
      if (ports.length === 0) {
        printLine("No serial ports found. Plug the token in with a USB data cable (some cables only charge), or use --port sim.");
        return;
      }
      for (const p of ports) {
        const id = p.vendorId && p.productId ? `${p.vendorId}:${p.productId}` : "-";
        printLine(`${p.path.padEnd(16)} ${id.padEnd(10)} ${(p.manufacturer ?? "").padEnd(24)} ${p.esp32Guess ? style.good("likely ESP32: " + p.esp32Guess) : ""}`);
      }
    });
}
