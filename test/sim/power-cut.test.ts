/**
 * Power cut at every write point. For each operation that programs flash: run it once on the
 * pre-state to count the bytes it programs, then for every k below that count start again from
 * the same pre-state (a flash snapshot on disk), cut the power after k bytes, power on, and
 * check from the outside (HELLO, VERIFY, the codes on the display, the clock-step budget)
 * that the token is exactly in the old state or the new one.
 */
import { afterAll, describe, expect, it } from "vitest";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createHmac, randomBytes } from "node:crypto";
import {
  MKEY,
  START,
  ask,
  askAuthorised,
  bootToken,
  helloState,
  oracleHotp,
  oracleTotp,
  outcome,
  parseAnswer,
  press,
  probeDriftBudgetLeft,
  provisionFields,
  secretFor,
  sendRaw,
  totpProfile,
  wireFields,
  wireFrame,
  type Rig,
} from "./support.js";
import { readCode } from "./display-reader.js";
import type { SimulatedToken } from "../../hardware/sim/token.js";
import { serializeRecord } from "../../firmware/store/records.js";
import type { ProfileSpec } from "../../host/device/client.js";

const dir = mkdtempSync(path.join(tmpdir(), "tokensmith-power-cut-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Snapshot {
  file: string;
  /** The DS3231's time when the snapshot was taken (the new token starts there). */
  rtc: number;
}

let snapshots = 0;

/** Saves the pre-state: flash to a file, and the clock. The token is then switched off. */
function snapshot(token: SimulatedToken): Snapshot {
  const file = path.join(dir, `pre-${++snapshots}.json`);
  const rtc = token.rtc.trueUnixSeconds();
  token.powerOff();
  token.flash.save(file);
  return { file, rtc };
}

let copies = 0;

/** A token booted from a copy of the snapshot, its clock where the snapshot's was. */
function fromSnapshot(pre: Snapshot): Rig {
  const copy = path.join(dir, `run-${++copies}.json`);
  copyFileSync(pre.file, copy);
  return bootToken({ flashFile: copy, rtcUnixSeconds: pre.rtc });
}

type Outcome = "old" | "new";

interface CutCase {
  name: string;
  pre: Snapshot;
  /** The operation, synchronous on virtual time; answer lines the token sent. */
  run(token: SimulatedToken): string[];
  /** After power-on: which state the token is in; fails the test when it is neither. */
  check(rig: Rig): Outcome;
}

/**
 * Runs the operation uninterrupted (counting its bytes; the result must check as "new"), from
 * the pre-state without it (must check as "old"), then cut at every byte. Returns the count.
 */
function everyCutPoint(c: CutCase): { points: number; old: number; new: number } {
  const untouched = fromSnapshot(c.pre);
  untouched.token.powerOff();
  untouched.token.powerOn();
  expect(c.check(untouched), "the pre-state checks as old").toBe("old");
  untouched.token.powerOff();

  const whole = fromSnapshot(c.pre);
  const before = whole.token.flash.bytesWrittenTotal;
  const answers = whole.token.uartLog.length;
  c.run(whole.token);
  const points = whole.token.flash.bytesWrittenTotal - before;
  expect(points, "the operation programs flash").toBeGreaterThan(0);
  expect(whole.token.state).toBe("running");
  whole.token.uartLog.slice(answers).forEach((line) => expect(line).not.toMatch(/ ERR /));
  whole.token.powerOff();
  whole.token.powerOn();
  expect(c.check(whole), "the completed operation checks as new").toBe("new");
  whole.token.powerOff();

  const seen = { old: 0, new: 0 };
  for (let k = 0; k < points; k++) {
    const rig = fromSnapshot(c.pre);
    const { token } = rig;
    token.flash.armPowerCut(k);
    const lines = c.run(token);
    expect(token.state, `cut after ${k} bytes: the power went`).toBe("off");
    expect(lines.filter((l) => l.includes(" OK ")), `cut after ${k} bytes: no OK was sent`).toEqual([]);
    token.powerOn();
    let result: Outcome;
    try {
      result = c.check(rig);
    } catch (error) {
      throw new Error(`${c.name}, power cut after ${k} of ${points} bytes: ${(error as Error).message}`, { cause: error });
    }
    seen[result]++;
    expect(token.uncaught, `cut after ${k} bytes: nothing escaped the firmware`).toEqual([]);
    token.powerOff();
  }
  console.info(`${c.name}: ${points} cut points, all old-or-new (${seen.old} old, ${seen.new} new)`);
  return { points, ...seen };
}

/** Which of two HELLOs (without time) the token's matches; fails when neither. */
function helloIs(token: SimulatedToken, old: Array<[string, string]>, fresh: Array<[string, string]>): Outcome {
  const now = helloState(token);
  if (JSON.stringify(now) === JSON.stringify(old)) return "old";
  expect(now, "HELLO is the old one or the new one").toEqual(fresh);
  return "new";
}

/** The HELLO (without time) the spec says a token shows once provisioned with these. */
function provisionedHello(before: Array<[string, string]>, serial: string, profiles: ProfileSpec[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [k, v] of before) {
    if (k === "serial") out.push([k, serial]);
    else if (k === "state") out.push([k, "ready"]);
    else if (k === "profiles") {
      out.push([k, String(profiles.length)]);
      profiles.forEach((p, i) => out.push([`label${i + 1}`, p.label]));
    } else if (!/^label\d+$/.test(k)) out.push([k, v]);
  }
  return out;
}

const sha = (p: ProfileSpec) => (p.algorithm === "SHA1" ? "sha1" : "sha256");

/** The display shows profile 1's code for the token's own clock, and VERIFY proves the secret. */
function holdsProfiles(token: SimulatedToken, profiles: ProfileSpec[]): void {
  press(token);
  const p = profiles[0];
  expect(readCode(token.display)).toBe(oracleTotp(p.secret, token.rtc.trueUnixSeconds(), p.digits, p.period, p.algorithm));
  profiles.forEach((q, i) => {
    const nonce = randomBytes(16).toString("hex");
    const mac = ask(token, "VERIFY", [["nonce", nonce], ["profile", String(i + 1)]]).get("mac");
    expect(mac, `VERIFY profile ${i + 1}`).toBe(createHmac(sha(q), q.secret).update("tokensmith-verify " + nonce).digest("hex"));
  });
}

describe("power cut at every write point", () => {
  it("PROVISION (first)", () => {
    const profiles = [totpProfile(randomBytes(20), { label: "Mail" }), totpProfile(randomBytes(32), { label: "VPN", algorithm: "SHA256", digits: 8 })];
    const { token } = bootToken();
    const old = helloState(token);
    const pre = snapshot(token);
    const fresh = provisionedHello(old, "TS-0001", profiles);
    const frame = wireFrame(1, "PROVISION", provisionFields("TS-0001", MKEY, profiles));
    const { points } = everyCutPoint({
      name: "PROVISION (first)",
      pre,
      run: (t) => sendRaw(t, frame),
      check: ({ token }) => {
        const result = helloIs(token, old, fresh);
        if (result === "old") {
          press(token);
          expect(readCode(token.display)).toBeNull();
          // Storage is not wedged by the torn write: provisioning again works.
          expect(outcome(ask(token, "PROVISION", provisionFields("TS-0001", MKEY, profiles)))).toBe("OK");
          expect(helloState(token)).toEqual(fresh);
        }
        holdsProfiles(token, profiles);
        return result;
      },
    });
    expect(points).toBeGreaterThan(32);
  });

  it("PROVISION (again, authorised)", () => {
    const oldProfiles = [totpProfile(randomBytes(20), { label: "Old" })];
    const newProfiles = [totpProfile(randomBytes(32), { label: "New", algorithm: "SHA256" }), totpProfile(randomBytes(20), { label: "Two", digits: 8 })];
    const mkey2 = Uint8Array.from(randomBytes(24));
    const rig = bootToken();
    expect(outcome(ask(rig.token, "PROVISION", provisionFields("TS-OLD", MKEY, oldProfiles)))).toBe("OK");
    // A second save, so both slots hold a record and the re-PROVISION replaces one.
    expect(outcome(ask(rig.token, "TIME_SET", [["time", String(START + 10)]]))).toBe("OK");
    expect(rig.token.flash.list()).toHaveLength(2);
    const old = helloState(rig.token);
    const pre = snapshot(rig.token);
    const fields = provisionFields("TS-NEW", mkey2, newProfiles);
    const fresh = provisionedHello(old, "TS-NEW", newProfiles);
    everyCutPoint({
      name: "PROVISION (again, authorised)",
      pre,
      run: (t) => askAuthorisedRaw(t, MKEY, "PROVISION", fields),
      check: ({ token }) => {
        const result = helloIs(token, old, fresh);
        holdsProfiles(token, result === "old" ? oldProfiles : newProfiles);
        // The management key that goes with the state authorises; the other does not.
        const [right, wrong] = result === "old" ? [MKEY, mkey2] : [mkey2, MKEY];
        expect(outcome(askAuthorised(token, wrong, "TIME_SET", [["time", String(START + 500)]]))).toBe("auth_failed");
        expect(outcome(askAuthorised(token, right, "PROVISION", fields))).toBe("OK");
        holdsProfiles(token, newProfiles);
        return result;
      },
    });
  });

  it("HOTP press (the counter save)", () => {
    const h = secretFor(randomBytes(20));
    const { token } = bootToken();
    expect(outcome(ask(token, "PROVISION", provisionFields("TS-H", MKEY, [{ label: "Door", kind: "hotp", algorithm: "SHA1", digits: 6, counter: 40, secret: h }])))).toBe("OK");
    const shownBefore: Array<string | null> = [];
    for (let i = 0; i < 2; i++) {
      press(token);
      shownBefore.push(readCode(token.display));
    }
    expect(shownBefore).toEqual([oracleHotp(h, 40), oracleHotp(h, 41)]);
    const c = 42; // the counter stored before the interrupted press
    const pre = snapshot(token);
    let shownAtCut: string | null = null;
    everyCutPoint({
      name: "HOTP press",
      pre,
      run: (t) => {
        shownAtCut = null;
        const powerOff = t.display.powerOff.bind(t.display);
        t.display.powerOff = () => {
          shownAtCut = readCode(t.display); // what the glass showed when the power went
          powerOff();
        };
        expect(readCode(t.display)).toBeNull(); // after boot: "press for next code"
        press(t);
        return [];
      },
      check: ({ token }) => {
        press(token);
        const first = readCode(token.display);
        const never = [...shownBefore, shownAtCut].filter((x) => x !== null);
        expect(never, "a code shown before the cut is never shown again").not.toContain(first);
        expect([oracleHotp(h, c), oracleHotp(h, c + 1)], "code(c) or code(c+1)").toContain(first);
        const result: Outcome = first === oracleHotp(h, c) ? "old" : "new";
        press(token);
        expect(readCode(token.display), "then the next code").toBe(oracleHotp(h, result === "old" ? c + 1 : c + 2));
        return result;
      },
    });
  });

  it("TIME_SET (unauthorised, changes the drift budget)", () => {
    const s = randomBytes(20);
    const profiles = [totpProfile(s)];
    const { token } = bootToken();
    expect(outcome(ask(token, "PROVISION", provisionFields("TS-T", MKEY, profiles)))).toBe("OK");
    expect(outcome(ask(token, "TIME_SET", [["time", String(START + 30)]]))).toBe("OK"); // budget 30
    token.advance(3);
    const pre = snapshot(token);
    const step = 20;
    everyCutPoint({
      name: "TIME_SET (budget)",
      pre,
      run: (t) => {
        const now = Number(ask(t, "TIME").get("time"));
        return sendRaw(t, wireFrame(7, "TIME_SET", [["time", String(now + step)]]));
      },
      check: ({ token }) => {
        // The sim's own clock never moved: the token's clock is either it, or it plus the step.
        const virtual = Math.floor(token.clock.nowMs() / 1000);
        const time = Number(ask(token, "TIME").get("time"));
        expect([virtual, virtual + step], "the clock is the old or the new one").toContain(time);
        const result: Outcome = time === virtual ? "old" : "new";
        expect(helloState(token)).toContainEqual(["state", "ready"]);
        holdsProfiles(token, profiles);
        // Old: 30 s used. New: 50 s used, saved as 60 (a reboot after a cut starts from 60).
        expect(result === "old" ? [60] : [30, 40], "the budget goes with the clock").toContain(probeDriftBudgetLeft(token));
        return result;
      },
    });
  });

  it("WIPE (authorised)", () => {
    const h = secretFor(randomBytes(20));
    const { token } = bootToken();
    expect(outcome(ask(token, "PROVISION", provisionFields("TS-W", MKEY, [{ label: "Door", kind: "hotp", algorithm: "SHA1", digits: 6, counter: 0, secret: h }])))).toBe("OK");
    press(token);
    press(token); // counters 0 and 1 shown; the record saved three times (both slots hold one)
    expect(readCode(token.display)).toBe(oracleHotp(h, 1));
    const old = helloState(token);
    const pre = snapshot(token);
    everyCutPoint({
      name: "WIPE",
      pre,
      run: (t) => askAuthorisedRaw(t, MKEY, "WIPE", []),
      check: ({ token }) => {
        const hello = helloState(token);
        if (JSON.stringify(hello) === JSON.stringify(old)) {
          press(token);
          expect(readCode(token.display), "the old record, never an older one").toBe(oracleHotp(h, 2));
          return "old";
        }
        expect(hello).toContainEqual(["state", "unprovisioned"]);
        expect(hello).toContainEqual(["profiles", "0"]);
        press(token);
        expect(readCode(token.display)).toBeNull();
        return "new";
      },
    });
  });
});

/** NONCE, then the signed request; returns the lines the token sent for the request. */
/** NONCE, then the signed command; a cut while NONCE advances its counter ends it there. */
function askAuthorisedRaw(token: SimulatedToken, mkey: Uint8Array, verb: string, fields: Array<[string, string]>): string[] {
  const nonceAnswer = sendRaw(token, wireFrame(7, "NONCE"));
  if (nonceAnswer.length === 0) return [];
  const nonce = parseAnswer(nonceAnswer[0]).get("nonce")!;
  const auth = createHmac("sha256", mkey).update(`${nonce} ${verb} ${wireFields(fields)}`, "latin1").digest("hex");
  return sendRaw(token, wireFrame(8, verb, [...fields, ["auth", auth]]));
}

describe("a torn save is told apart from a damaged record", () => {
  it("a record damaged in its body still shows needs setup, even when its CRC ends in 0xFF", () => {
    const profile = totpProfile(randomBytes(20));
    let text = "";
    for (let n = 0; !text.endsWith("\xff"); n++) {
      text = serializeRecord({
        sequence: 1,
        serial: `TS-${n}`,
        managementKey: [...MKEY],
        driftBudgetUsed: 0,
        profiles: [{ label: "A", kind: "totp", algorithm: "SHA1", digits: 6, period: 30, counter: 0, secret: Buffer.from(profile.secret).toString("latin1") }],
      });
    }
    for (const [damage, state] of [
      [(t: string) => t, "ready"],
      [(t: string) => t.slice(0, 12) + String.fromCharCode(t.charCodeAt(12) ^ 4) + t.slice(13), "needs_setup"],
      [(t: string) => t.slice(0, -2) + "\xff\xff", "unprovisioned"], // torn: the last 2 bytes never programmed
      [(t: string) => t.slice(0, -6) + "\xff".repeat(6), "unprovisioned"],
    ] as const) {
      const { token } = bootToken();
      token.flash.write("tsrec.a", damage(text));
      token.powerOff();
      token.powerOn();
      expect(helloState(token)).toContainEqual(["state", state]);
    }
  });
});
