/**
 * Nonces as the attacker holding the cable sees them (issue: Security v2, finding 1).
 *
 * On an ESP32, Espruino's E.hwRand is a fixed-seed generator: the simulator gives the same
 * sequence, checked here against the genuine interpreter. With the RNG register adding nothing
 * (hardwareRng "none", the worst case), nonces must still never repeat: across reboots, power
 * cuts inside the counter's flash writes, and rollovers of its tally.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { MKEY, START, ask, bootToken, outcome, parseAnswer, provisionFields, sendRaw, totpProfile, wireFields, wireFrame } from "./support.js";
import { espruinoRand } from "../../hardware/sim/espruino-env.js";
import { genuineEspruino } from "../../hardware/genuine/interpreters.js";
import { PowerCutError } from "../../hardware/sim/devices/flash.js";
import { TALLY_BYTES } from "../../firmware/store/counter.js";
import { createHmac, randomBytes } from "node:crypto";
import type { SimulatedToken } from "../../hardware/sim/token.js";

const espruino = genuineEspruino(4000);
const ci = process.env.CI === "true" || process.env.CI === "1";

function provisionedWorstCase(deviceId?: string): SimulatedToken {
  const { token } = bootToken({ hardwareRng: "none", ...(deviceId ? { deviceId } : {}) });
  expect(outcome(ask(token, "PROVISION", provisionFields("TS-N", MKEY, [totpProfile(randomBytes(20))])))).toBe("OK");
  return token;
}

function nonceOf(token: SimulatedToken): string {
  return ask(token, "NONCE").get("nonce")!;
}

describe("E.hwRand in the simulator is Espruino's", () => {
  if (!espruino && ci) throw new Error("the genuine Espruino is required when CI=true");
  it.skipIf(!espruino)("the same fixed sequence after every start as the genuine interpreter's", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "tokensmith-rand-"));
    writeFileSync(path.join(dir, "t.js"), "var r=[];for(var i=0;i<8;i++)r.push(E.hwRand());print(JSON.stringify(r));\n");
    const runs = [0, 1].map(() => {
      const run = spawnSync(espruino!, ["t.js"], { cwd: dir, encoding: "utf8", timeout: 30_000, stdio: ["pipe", "pipe", "pipe"] });
      const line = run.stdout.split(/\r?\n/).find((l) => l.startsWith("["));
      if (!line) throw new Error(`no output from Espruino: ${run.stdout.slice(-300)}`);
      return JSON.parse(line) as number[];
    });
    expect(runs[1], "a second start repeats the first").toEqual(runs[0]);
    const sim = espruinoRand();
    expect(runs[0].map(() => sim())).toEqual(runs[0]);
  });
});

describe("as the attacker: nonces never repeat, even when E.hwRand is all the entropy there is", () => {
  it("a recorded authorised frame cannot be replayed after REBOOT", () => {
    const token = provisionedWorstCase();
    // The owner syncs the clock (authorised); the attacker on the cable records both frames.
    const nonce = nonceOf(token);
    const fields: Array<[string, string]> = [["time", String(START + 3600)]];
    const auth = createHmac("sha256", MKEY).update(`${nonce} TIME_SET ${wireFields(fields)}`, "latin1").digest("hex");
    const recorded = wireFrame(501, "TIME_SET", [...fields, ["auth", auth]]);
    expect(outcome(parseAnswer(sendRaw(token, recorded)[0]))).toBe("OK");
    const clockAfterSync = Number(ask(token, "TIME").get("time"));
    // Later: REBOOT (no auth needed), ask NONCE, replay.
    expect(outcome(ask(token, "REBOOT"))).toBe("OK");
    token.advanceMs(200);
    const afterBoot = nonceOf(token);
    expect(afterBoot).not.toBe(nonce);
    const replay = parseAnswer(sendRaw(token, recorded)[0]);
    expect(outcome(replay)).toBe("auth_failed");
    expect(Number(ask(token, "TIME").get("time"))).toBeLessThan(clockAfterSync + 60);
  });

  it("1,000 boots, a nonce each: all different (the counter crosses eight rollovers of its tally)", () => {
    const token = provisionedWorstCase();
    const seen = new Set<string>();
    for (let boot = 0; boot < 1000; boot++) {
      token.powerOff();
      token.powerOn();
      const nonce = nonceOf(token);
      expect(nonce).toMatch(/^[0-9a-f]{32}$/);
      expect(seen.has(nonce), `boot ${boot}: a repeated nonce`).toBe(false);
      seen.add(nonce);
    }
    expect(seen.size).toBe(1000);
  });

  it("a power cut at every byte of the counter's writes (a rollover included) never repeats a nonce", () => {
    const token = provisionedWorstCase();
    const issued = new Set<string>();
    const take = (nonce: string, where: string) => {
      expect(issued.has(nonce), where).toBe(false);
      issued.add(nonce);
    };
    // Up to the last tally byte of the first file, so the next NONCE rolls over.
    for (let i = 0; i < TALLY_BYTES - 1; i++) take(nonceOf(token), `nonce ${i}`);
    for (let k = 0; k < 48; k++) {
      // The next NONCE either programs a tally byte or rolls over (header, epoch, erase, tally).
      token.flash.armPowerCut(k);
      const lines = sendRaw(token, wireFrame(900 + k, "NONCE"));
      if (token.flash.wasCut()) {
        expect(lines, `cut after ${k} bytes: no nonce was sent`).toEqual([]);
        expect(token.state).toBe("off");
      } else {
        token.flash.disarm();
        take(parseAnswer(lines[0]).get("nonce")!, `uncut NONCE ${k}`);
      }
      token.powerOff();
      token.powerOn();
      take(nonceOf(token), `the first nonce after a cut after ${k} bytes`);
    }
    expect(issued.size).toBeGreaterThan(TALLY_BYTES - 1 + 48);
  });

  it("two boards give different first nonces (the chip id is in the hash)", () => {
    const a = provisionedWorstCase("3c71bf0a1e24");
    const b = provisionedWorstCase("3c71bf0a1e25");
    expect(nonceOf(a)).not.toBe(nonceOf(b));
  });

  it("a full flash: NONCE says storage_full and nothing is signed with a stale nonce", () => {
    const token = provisionedWorstCase();
    let files = 0;
    for (const size of [1000, 100, 4]) {
      for (;;) {
        try {
          token.flash.write(`fill${files++}`, "x".repeat(size));
        } catch (error) {
          if (error instanceof PowerCutError) throw error;
          break;
        }
      }
    }
    expect(token.flash.getFree()).toBeLessThan(36);
    const answer = ask(token, "NONCE");
    expect(outcome(answer)).toBe("storage_full");
    expect(answer.get("nonce")).toBeNull();
    expect(outcome(ask(token, "WIPE", [["auth", "00".repeat(32)]]))).toBe("auth_failed");
  });
});
