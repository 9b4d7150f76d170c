/**
 * The firmware's portable modules compiled to Lua (tools/build/lua-bundle.ts), run on fengari
 * (Lua 5.3 with 32-bit integers, the 5.1 bundle through a bitop shim), give the Node build's
 * frames, registers, dates and record bytes.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { bundleForLua } from "../../tools/build/lua-bundle.js";
import { runLuaOnFengari } from "../runtimes/fengari.js";
import { civilFromUnix, unixFromCivil } from "../../firmware/drivers/calendar.js";
import { readRtc, writeRtc } from "../../firmware/drivers/ds3231.js";
import { flushDisplay, initDisplay, newDisplay } from "../../firmware/drivers/ssd1306.js";
import { drawCodeScreen, drawCountdownBar, drawMessageScreen } from "../../firmware/ui/screens.js";
import { TokenRecord, loadRecord, parseRecord, saveRecord, serializeRecord } from "../../firmware/store/records.js";
import { createFakeHal } from "./fake-hal.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const entry = path.join(root, "test/firmware/fixtures/lua-entry.ts");
const driver = readFileSync(path.join(root, "test/firmware/fixtures/driver.lua"), "utf8");
const out = mkdtempSync(path.join(tmpdir(), "firmware-lua-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** The same script as driver.lua, on the Node build. */
function expected(): string {
  const lines: string[] = [];
  const say = (...v: unknown[]) => lines.push(v.map(String).join(" "));
  const sum = (f: ArrayLike<number>) => Array.from(f).reduce((s, b, i) => (s + (i + 1) * b) % 1000003, 0);
  const fake = createFakeHal();
  const hal = fake.hal;
  const d = newDisplay(hal);
  initDisplay(hal, d);
  drawCodeScreen(d.frame, "GitHub alice", "287082", 17, 30);
  const first = flushDisplay(hal, d);
  const again = flushDisplay(hal, d);
  drawCountdownBar(d.frame, 16, 30);
  say("code", sum(d.frame), first, again, flushDisplay(hal, d));
  const m = new Array(1024).fill(0);
  drawMessageScreen(m, "CLOCK LOST: 12", "RESYNC WITH", "TOKENSMITH");
  say("message", sum(m));
  drawCodeScreen(m, "Acme (VPN) #2", "90123456", 59, 60);
  say("code8", sum(m));
  fake.rtc.fill(0);
  fake.rtc[15] = 0x88;
  writeRtc(hal, 1795350896);
  const r = readRtc(hal);
  say("rtc", r.unixSeconds, r.oscillatorStopped, r.plausible, fake.rtc[0], fake.rtc[5], fake.rtc[6], fake.rtc[15]);
  for (const t of [0, 951782400, 2147483647, -1, -2147483648]) say("civil", ...civilFromUnix(t));
  say("unix", unixFromCivil(2038, 1, 19, 3, 14, 7));
  const rec: TokenRecord = { sequence: 0, serial: "TS-1", managementKey: [1, 2, 3], driftBudgetUsed: -5,
    profiles: [{ label: "GitHub", kind: "hotp", algorithm: "SHA256", digits: 8, period: 0, counter: 7, secret: "123" }] };
  say("save", saveRecord(hal, rec), saveRecord(hal, rec), rec.sequence);
  const l = loadRecord(hal);
  const p = l.record!.profiles[0];
  say("load", l.status, l.record!.sequence, l.record!.serial, l.record!.driftBudgetUsed, p.label, p.kind, p.algorithm, p.digits, p.counter, p.secret.length);
  const text = serializeRecord(l.record!);
  say("record", Buffer.from(text, "latin1").toString("hex"));
  say("bad", parseRecord("TSR1\x01garbage-garbage") === null, parseRecord(text.slice(0, -1)) === null, parseRecord("") === null);
  return lines.join("\n");
}

describe("firmware modules in their Lua form", () => {
  it.each([["53", false], ["51", true]] as const)("Lua %s bundle on fengari matches Node", (flavour, shim) => {
    const bundle = bundleForLua(entry, flavour, path.join(out, `firmware-${flavour}.lua`), root);
    expect(bundle).not.toMatch(/\\0[0-9]/); // "\0" then a digit would read as another byte
    expect(runLuaOnFengari(bundle, driver, "", shim)).toBe(expected());
  });
});
