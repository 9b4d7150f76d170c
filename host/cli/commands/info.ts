/** `tokensmith info`: what the token says about itself, and its clock against the host's. */
import type { Command } from "commander";
import { withClient } from "../session.js";
import { tokenInfo } from "../../index.js";
import { printJson, printLine } from "../output.js";

/** What a HELLO `fault` means to the person holding the token. */
const FAULTS: Record<string, string> = {
  rtc: "the clock chip (DS3231) does not answer: check its wiring; the token shows no codes until it does",
  display: "the display (SSD1306) does not answer: check its wiring",
};

export function registerInfo(program: Command): void {
  program
    .command("info")
    .description("Show what the token reports (model, firmware, serial, state, profiles) and its clock offset from this computer")
    .option("-p, --port <port>", "serial device, tcp://HOST:PORT or sim (default: the one ESP32 board plugged in)")
    .option("--json", "machine-readable output")
    .action(async (o: { port?: string; json?: boolean }) => {
      await withClient(o.port, async (client) => {
        const hello = await tokenInfo(client, () => Math.floor(Date.now() / 1000));
        const offset = hello.offsetSeconds;
        if (o.json) {
          printJson(hello);
          return;
        }
        printLine(`model      ${hello.model} (firmware ${hello.firmware}, protocol ${hello.protocol})`);
        printLine(`serial     ${hello.serial || "(not provisioned)"}   chip ${hello.id}`);
        printLine(`state      ${hello.state}`);
        printLine(`profiles   ${hello.labels.length === 0 ? "none" : hello.labels.join(", ")}`);
        printLine(`clock      ${hello.clockOk ? `${new Date(hello.time * 1000).toISOString()} (${offset! >= 0 ? "+" : ""}${offset} s from this computer)` : "LOST: run tokensmith time sync"}`);
        printLine(`hashing    ${hello.hash === "native" ? "native SHA-1 (crypto module)" : "pure JavaScript SHA-1"}`);
        if (hello.fault) printLine(`FAULT      ${FAULTS[hello.fault] ?? hello.fault}`);
      });
    });
}
