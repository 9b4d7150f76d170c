/**
 * firmware/app/commands.ts in this process (app-rig.ts): every command of PROTOCOL.md, its
 * refusals with their codes, auth and its nonce, the clock-step budget across reboots, flash
 * that is full or cut, and the frame handling (retries, garbage, echoes). Answers are read off
 * the UART and checked against node:crypto (app-oracle.ts), records against what the token
 * does after a reboot. The simulator suites run the same program as a bundle; these run it at
 * unit speed so that the mutation run can judge every mutant of the app.
 */
import { describe, expect, it } from "vitest";
import { generateSync } from "otplib";
import type { ProfileSpec } from "../../host/device/client.js";
import { FIRMWARE_EPOCH, FIRMWARE_VERSION, MODEL } from "../../firmware/app/version.js";
import { DS3231_ADDRESS } from "../../hardware/sim/devices/ds3231.js";
import { SSD1306_ADDRESS } from "../../hardware/sim/devices/ssd1306.js";
import { APP_START, bootApp, codeFrame, hotpFrame, messageFrame, shows, type AppRig, type AppRigOptions } from "./app-rig.js";
import { codeOf, hotp, secondsLeft, verifyMac } from "./app-oracle.js";
import { authFor, crcHex, provisionFields, wireFrame } from "../protocol/raw-wire.js";
import type { Answer } from "../protocol/raw-wire.js";

const MKEY = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
const OTHER_MKEY = Uint8Array.from({ length: 32 }, (_, i) => 0x40 + i);
const SEED = Uint8Array.from(Buffer.from("3132333435363738393031323334353637383930", "hex"));
const SEED_B = Uint8Array.from({ length: 32 }, (_, i) => (i * 29 + 3) & 255);

const totpProfile = (options: Partial<ProfileSpec> = {}): ProfileSpec => ({
  label: "Duo", kind: "totp", algorithm: "SHA1", digits: 6, period: 30, secret: SEED, ...options,
});
const hotpProfile = (options: Partial<ProfileSpec> = {}): ProfileSpec => ({
  label: "Vpn", kind: "hotp", algorithm: "SHA1", digits: 6, counter: 5, secret: SEED_B, ...options,
});

const outcome = (answer: Answer) => (answer.verb === "OK" ? "OK" : answer.get("code"));

/** Provisions an unprovisioned token (no auth needed). */
function provision(rig: AppRig, profiles: ProfileSpec[] = [totpProfile()], serial = "TS-0001", mkey = MKEY): Answer {
  return rig.ask("PROVISION", provisionFields(serial, mkey, profiles));
}

function provisioned(options: AppRigOptions = {}, profiles: ProfileSpec[] = [totpProfile()]): AppRig {
  const rig = bootApp(options);
  expect(outcome(provision(rig, profiles))).toBe("OK");
  return rig;
}

/** The same board booted again (flash and DS3231 kept, RAM lost). */
const reboot = (rig: AppRig, options: AppRigOptions = {}) => bootApp({ ...options, board: rig });

/** The unauthorised clock-step budget left: small forward steps until one is refused. */
function budgetLeft(rig: AppRig): number {
  let left = 0;
  for (const step of [30, 30, 30, 30, 30, 30, 16, 8, 4, 2, 1]) {
    const answer = rig.ask("TIME_SET", [["time", String(rig.now() + step)]]);
    if (answer.verb === "OK") left += step;
    else expect(answer.get("code")).toBe("auth_required");
  }
  return left;
}

/** Every flash file as bytes. */
const flashText = (rig: AppRig) => [...rig.flash.storage.values()].join("");

/** The files a refused command must leave alone (the nonce counter moves with every NONCE). */
const records = (rig: AppRig) => [...rig.flash.storage.entries()].filter(([name]) => name.startsWith("tsrec"));

describe("the oracle", () => {
  it("agrees with otplib for 6 and 8 digits, SHA-1 and SHA-256", () => {
    for (const [digits, algorithm] of [[6, "SHA1"], [8, "SHA256"]] as const) {
      for (const counter of [0, 1, 59, 1234567]) {
        const expected = generateSync({ strategy: "hotp", secret: SEED_B, counter, digits, algorithm: algorithm === "SHA1" ? "sha1" : "sha256" });
        expect(hotp(SEED_B, counter, digits, algorithm)).toBe(expected);
      }
    }
  });
});

describe("HELLO and TIME", () => {
  it("a new board: unprovisioned, its chip id, the clock read from the DS3231", () => {
    const rig = bootApp();
    const hello = rig.ask("HELLO");
    expect(hello.frame.keys).toEqual(["model", "firmware", "protocol", "serial", "id", "state", "profiles", "time", "clock", "hash"]);
    expect(hello.frame.values).toEqual([MODEL, FIRMWARE_VERSION, "2", "", "246f28aabbcc", "unprovisioned", "0", String(APP_START), "ok", "pure"]);
  });

  it("a provisioned token lists its profiles' labels in order; a native SHA-1 says so", () => {
    const rig = provisioned({ nativeSha1: true }, [totpProfile({ label: "First" }), hotpProfile({ label: "Second" }), totpProfile({ label: "Third" })]);
    const hello = rig.ask("HELLO");
    expect(hello.get("serial")).toBe("TS-0001");
    expect(hello.get("state")).toBe("ready");
    expect(hello.get("profiles")).toBe("3");
    expect([hello.get("label1"), hello.get("label2"), hello.get("label3"), hello.get("label4")]).toEqual(["First", "Second", "Third", null]);
    expect(hello.get("hash")).toBe("native");
    expect(hello.get("fault")).toBeNull();
  });

  it("a DS3231 whose oscillator stopped: clock lost; still unprovisioned without a record", () => {
    const rig = bootApp({ oscillatorStopped: true });
    expect(rig.ask("HELLO").get("state")).toBe("unprovisioned");
    expect(rig.ask("HELLO").get("clock")).toBe("lost");
    expect(rig.ask("TIME").get("clock")).toBe("lost");
  });

  it("a provisioned token whose clock stopped reports clock_lost", () => {
    const rig = bootApp({ oscillatorStopped: true });
    expect(outcome(provision(rig))).toBe("OK");
    expect(rig.ask("HELLO").get("state")).toBe("clock_lost");
  });

  it("a DS3231 that does not answer: fault=rtc and the clock lost", () => {
    const rig = bootApp({ withoutRtc: true });
    const hello = rig.ask("HELLO");
    expect(hello.get("fault")).toBe("rtc");
    expect(hello.get("clock")).toBe("lost");
  });

  it("TIME follows the system clock second by second", () => {
    const rig = bootApp();
    rig.advance(61_000);
    const time = rig.ask("TIME");
    expect(time.frame.keys).toEqual(["time", "clock"]);
    expect(time.frame.values).toEqual([String(APP_START + 61), "ok"]);
  });
});

describe("NONCE and auth", () => {
  it("each nonce is new: 32 lowercase hex digits", () => {
    const rig = bootApp();
    const seen = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const nonce = rig.ask("NONCE").get("nonce")!;
      expect(nonce).toMatch(/^[0-9a-f]{32}$/);
      seen.add(nonce);
    }
    expect(seen.size).toBe(5);
  });

  it("a full flash issues no nonce and says so", () => {
    const rig = bootApp();
    rig.flash.flashFull = true;
    const answer = rig.ask("NONCE");
    expect(outcome(answer)).toBe("storage_full");
    expect(answer.get("message")).toContain("no nonce");
  });

  it("re-provisioning without auth: auth_required, saying how", () => {
    const rig = provisioned();
    const before = records(rig);
    const answer = provision(rig, [totpProfile({ secret: SEED_B })]);
    expect(outcome(answer)).toBe("auth_required");
    expect(answer.get("message")).toBe("re-provisioning needs auth: ask NONCE, then send auth=HMAC-SHA256(management key, ...)");
    expect(records(rig)).toEqual(before);
  });

  it("auth without a nonce outstanding fails, also one computed over no nonce at all", () => {
    const rig = provisioned();
    const fields = provisionFields("TS-0002", MKEY, [totpProfile()]);
    for (const nonce of ["00".repeat(16), ""]) {
      const answer = rig.ask("PROVISION", [...fields, ["auth", authFor(MKEY, nonce, "PROVISION", fields)]]);
      expect(outcome(answer)).toBe("auth_failed");
      expect(answer.get("message")).toBe("auth does not match (the nonce is used up: ask NONCE again)");
    }
    // A nonce answered to a refused request is used up too; the token still has its record.
    expect(rig.ask("HELLO").get("serial")).toBe("TS-0001");
  });

  it("a wrong auth fails and uses the nonce up: the right auth for it then fails too", () => {
    const rig = provisioned();
    const fields: Array<[string, string]> = [];
    const nonce = rig.ask("NONCE").get("nonce")!;
    const right = authFor(MKEY, nonce, "WIPE", fields);
    const lastFlipped = right.slice(0, -1) + (right.endsWith("0") ? "1" : "0");
    const firstFlipped = (right.startsWith("0") ? "1" : "0") + right.slice(1);
    expect(outcome(rig.ask("WIPE", [["auth", lastFlipped]]))).toBe("auth_failed");
    expect(outcome(rig.ask("WIPE", [["auth", right]]))).toBe("auth_failed");
    // Each variant against a nonce of its own: a flipped first digit, one too short, one too
    // long (a comparison that stopped at the shorter length would take it), another key.
    const variants: Array<(auth: string, nonce: string) => string> = [
      (auth) => (auth.startsWith("0") ? "1" : "0") + auth.slice(1),
      (auth) => auth.slice(0, -2),
      (auth) => auth + "00",
      (auth) => auth.slice(0, 32),
      (_, nonce) => authFor(OTHER_MKEY, nonce, "WIPE", fields),
    ];
    for (const variant of variants) {
      const next = rig.ask("NONCE").get("nonce")!;
      const wrong = variant(authFor(MKEY, next, "WIPE", fields), next);
      expect(outcome(rig.ask("WIPE", [["auth", wrong]]))).toBe("auth_failed");
    }
    expect(firstFlipped).not.toBe(right);
    expect(rig.ask("HELLO").get("state")).toBe("ready");
    expect(outcome(rig.askAuthorised(MKEY, "WIPE", fields))).toBe("OK");
    expect(rig.ask("HELLO").get("state")).toBe("unprovisioned");
  });

  it("auth covers the fields: a nonce signed for other fields fails", () => {
    const rig = provisioned();
    const nonce = rig.ask("NONCE").get("nonce")!;
    const signed = authFor(MKEY, nonce, "VERIFY", [["nonce", "ab".repeat(8)]]);
    expect(outcome(rig.ask("WIPE", [["auth", signed]]))).toBe("auth_failed");
  });

  it("auth on a token without a record fails rather than pass unchecked", () => {
    const rig = bootApp();
    const nonce = rig.ask("NONCE").get("nonce")!;
    const fields: Array<[string, string]> = [["time", String(APP_START + 100)]];
    const answer = rig.ask("TIME_SET", [...fields, ["auth", authFor(MKEY, nonce, "TIME_SET", fields)]]);
    expect(outcome(answer)).toBe("auth_failed");
  });
});

describe("TIME_SET", () => {
  it("refuses what is not a time, before the firmware's epoch, or after 2105", () => {
    const rig = bootApp({ oscillatorStopped: true });
    const lastSecondOf2105 = Date.UTC(2106, 0, 1) / 1000 - 1;
    const cases: Array<[Array<[string, string]>, string]> = [
      [[], "time must be whole UTC seconds"],
      [[["time", "12a"]], "time must be whole UTC seconds"],
      [[["time", ""]], "time must be whole UTC seconds"],
      [[["time", String(FIRMWARE_EPOCH - 1)]], "time is before this firmware was released"],
      [[["time", String(lastSecondOf2105 + 1)]], "time is after 2105, the last year the clock holds"],
    ];
    for (const [fields, message] of cases) {
      const answer = rig.ask("TIME_SET", fields);
      expect(outcome(answer), JSON.stringify(fields)).toBe("bad_argument");
      expect(answer.get("message")).toBe(message);
    }
    expect(rig.ask("HELLO").get("clock")).toBe("lost");
    expect(outcome(rig.ask("TIME_SET", [["time", String(FIRMWARE_EPOCH)]]))).toBe("OK");
    expect(outcome(rig.ask("TIME_SET", [["time", String(lastSecondOf2105)]]))).toBe("OK");
    expect(rig.rtc.trueUnixSeconds()).toBe(lastSecondOf2105);
  });

  it("sets a lost clock of a new board without auth: the DS3231 and the system clock", () => {
    const rig = bootApp({ oscillatorStopped: true });
    const target = APP_START + 5000;
    const answer = rig.ask("TIME_SET", [["time", String(target)]]);
    expect(answer.frame.keys).toEqual(["time", "clock"]);
    expect(answer.frame.values).toEqual([String(target), "was_lost"]);
    expect(rig.now()).toBe(target);
    expect(rig.rtc.trueUnixSeconds()).toBe(target);
    expect(rig.rtc.oscillatorStopFlag()).toBe(false);
    expect(rig.ask("HELLO").get("clock")).toBe("ok");
    // The next boot trusts it.
    expect(reboot(rig).ask("HELLO").get("clock")).toBe("ok");
  });

  it("a new board with a good clock takes any step and reports the offset", () => {
    const rig = bootApp();
    const answer = rig.ask("TIME_SET", [["time", String(APP_START - 4000)]]);
    expect(answer.frame.values).toEqual([String(APP_START - 4000), "-4000"]);
    expect(answer.frame.keys).toEqual(["time", "offset"]);
  });

  it("a provisioned token: steps of up to 30 s without auth, forward or back", () => {
    const rig = provisioned();
    for (const [step, result] of [[31, "auth_required"], [-31, "auth_required"], [30, "OK"], [-30, "OK"]] as const) {
      const answer = rig.ask("TIME_SET", [["time", String(rig.now() + step)]]);
      expect(outcome(answer), `step ${step}`).toBe(result);
      if (result === "OK") expect(answer.get("offset")).toBe(String(step));
      else expect(answer.get("message")).toBe(`a clock step of ${step} s needs auth: ask NONCE, then send auth=HMAC-SHA256(management key, ...)`);
    }
  });

  it("the sizes of unauthorised steps add up to at most 90 s, back and forth alike", () => {
    const rig = provisioned();
    const set = (step: number) => outcome(rig.ask("TIME_SET", [["time", String(rig.now() + step)]]));
    expect([set(30), set(-30), set(29), set(1)]).toEqual(["OK", "OK", "OK", "OK"]);
    expect(set(1)).toBe("auth_required");
    expect(set(-1)).toBe("auth_required");
    expect(set(0)).toBe("OK"); // a step of nothing costs nothing
  });

  it("the budget used is saved in 30 s reserves: a reboot never gives budget back", () => {
    const rig = provisioned();
    const written = () => rig.flash.storageBytesWritten;
    const start = written();
    expect(outcome(rig.ask("TIME_SET", [["time", String(rig.now() + 1)]]))).toBe("OK");
    const afterFirst = written();
    expect(afterFirst).toBeGreaterThan(start); // 1 s used: 30 s reserved in the record
    expect(outcome(rig.ask("TIME_SET", [["time", String(rig.now() + 1)]]))).toBe("OK");
    expect(written()).toBe(afterFirst); // 2 s used: still inside the reserve, no write
    expect(budgetLeft(reboot(rig))).toBe(60); // the boot starts from the 30 s saved
  });

  it("a step of exactly one reserve saves that reserve, no more", () => {
    const rig = provisioned();
    expect(outcome(rig.ask("TIME_SET", [["time", String(rig.now() + 30)]]))).toBe("OK");
    expect(budgetLeft(reboot(rig))).toBe(60);
  });

  it("a step past the reserve saves the next one (31 s used: 60 s reserved)", () => {
    const rig = provisioned();
    expect(outcome(rig.ask("TIME_SET", [["time", String(rig.now() + 30)]]))).toBe("OK");
    expect(outcome(rig.ask("TIME_SET", [["time", String(rig.now() - 1)]]))).toBe("OK");
    expect(budgetLeft(reboot(rig))).toBe(30);
  });

  it("the budget is measured where RAM says, not only where flash says", () => {
    const rig = provisioned();
    expect(outcome(rig.ask("TIME_SET", [["time", String(rig.now() + 2)]]))).toBe("OK");
    expect(budgetLeft(rig)).toBe(88);
  });

  it("an authorised step gives the whole budget back, saved (and writes nothing when none was used)", () => {
    const rig = provisioned();
    const quiet = rig.flash.storageBytesWritten;
    expect(outcome(rig.askAuthorised(MKEY, "TIME_SET", [["time", String(rig.now() + 3600)]]))).toBe("OK");
    expect(rig.flash.storageBytesWritten - quiet).toBeLessThan(64); // the nonce counter only
    expect(budgetLeft(rig)).toBe(90);
    const answer = rig.askAuthorised(MKEY, "TIME_SET", [["time", String(rig.now() - 7200)]]);
    expect(answer.frame.values).toEqual([String(rig.now()), "-7200"]);
    expect(budgetLeft(reboot(rig))).toBe(90);
  });

  it("a lost clock on a provisioned token is set only with auth", () => {
    const rig = provisioned();
    const lost = reboot(rig);
    lost.rtc.batteryOut();
    lost.rtc.powerOff();
    lost.rtc.batteryIn();
    lost.rtc.powerOn();
    const booted = reboot(lost);
    expect(booted.ask("HELLO").get("state")).toBe("clock_lost");
    const refused = booted.ask("TIME_SET", [["time", String(APP_START + 60)]]);
    expect(outcome(refused)).toBe("auth_required");
    expect(refused.get("message")).toContain("setting the lost clock of a provisioned token needs auth");
    const answer = booted.askAuthorised(MKEY, "TIME_SET", [["time", String(APP_START + 60)]]);
    expect(answer.get("clock")).toBe("was_lost");
    expect(booted.ask("HELLO").get("state")).toBe("ready");
  });

  it("a full flash when the budget must be saved: refused, clock and budget unchanged", () => {
    const rig = provisioned({}, [totpProfile(), hotpProfile()]);
    rig.flash.flashFull = true;
    const before = rig.now();
    const answer = rig.ask("TIME_SET", [["time", String(before + 10)]]);
    expect(outcome(answer)).toBe("storage_full");
    expect(answer.get("message")).toBe("flash is full: the clock was not changed");
    expect(rig.now()).toBe(before);
    expect(rig.rtc.trueUnixSeconds()).toBe(before);
    rig.flash.flashFull = false;
    // A later save of the record (an HOTP press) must not carry the refused step's reserve.
    rig.longPress();
    rig.press();
    expect(budgetLeft(reboot(rig))).toBe(90);
  });

  it("a DS3231 that answers again clears the fault; one that still does not is an error", () => {
    const rig = bootApp({ withoutRtc: true });
    const failed = rig.ask("TIME_SET", [["time", String(APP_START + 10)]]);
    expect(outcome(failed)).toBe("bad_argument");
    expect(failed.get("message")).toBe("the request could not be carried out");
    expect(rig.ask("HELLO").get("fault")).toBe("rtc");
    rig.plug(DS3231_ADDRESS);
    expect(outcome(rig.ask("TIME_SET", [["time", String(APP_START + 10)]]))).toBe("OK");
    expect(rig.ask("HELLO").get("fault")).toBeNull();
  });

  it("clears only a DS3231 fault: a display fault stays reported", () => {
    const rig = bootApp({ withoutDisplay: true });
    expect(outcome(rig.ask("TIME_SET", [["time", String(APP_START + 10)]]))).toBe("OK");
    expect(rig.ask("HELLO").get("fault")).toBe("display");
  });

  it("redrawing an HOTP screen for the new time does not spend a code", () => {
    const rig = provisioned({}, [hotpProfile()]);
    rig.press();
    expect(shows(rig, hotpFrame("Vpn", hotp(SEED_B, 5), 5))).toBe(true);
    expect(outcome(rig.ask("TIME_SET", [["time", String(rig.now() + 3)]]))).toBe("OK");
    expect(shows(rig, messageFrame("Vpn", "PRESS FOR", "NEXT CODE"))).toBe(true);
    rig.press();
    expect(shows(rig, hotpFrame("Vpn", hotp(SEED_B, 6), 6))).toBe(true);
  });

  it("a lit screen is redrawn for the new time; a dark one stays dark", () => {
    const rig = bootApp({ oscillatorStopped: true });
    expect(outcome(provision(rig))).toBe("OK");
    expect(shows(rig, messageFrame("CLOCK LOST", "RESYNC WITH", "TOKENSMITH"))).toBe(true);
    const target = APP_START + 100;
    expect(outcome(rig.askAuthorised(MKEY, "TIME_SET", [["time", String(target)]]))).toBe("OK");
    expect(shows(rig, codeFrame("Duo", codeOf(totpProfile(), target), secondsLeft(target), 30))).toBe(true);
    rig.advance(31_000);
    expect(rig.display.isOn()).toBe(false);
    expect(outcome(rig.ask("TIME_SET", [["time", String(rig.now() + 5)]]))).toBe("OK");
    expect(rig.display.isOn()).toBe(false);
  });
});

describe("PROVISION", () => {
  const base = () => provisionFields("TS-0001", MKEY, [totpProfile()]);
  const withField = (key: string, value: string | null, fields = base()) => {
    const out = fields.filter(([k]) => k !== key);
    if (value !== null) out.push([key, value]);
    return out;
  };

  it("refuses every bad field with what is wrong, and writes nothing", () => {
    const bad = "ab".repeat(20);
    const cases: Array<[Array<[string, string]>, string]> = [
      [withField("serial", null), "serial must be 1 to 32 of A-Z a-z 0-9 . _ -"],
      [withField("serial", "TS 1"), "serial must be 1 to 32 of A-Z a-z 0-9 . _ -"],
      [withField("serial", "S".repeat(33)), "serial must be 1 to 32 of A-Z a-z 0-9 . _ -"],
      [withField("mkey", null), "mkey must be 16 to 32 bytes of lowercase hex"],
      [withField("mkey", "ab".repeat(15) + "a"), "mkey must be 16 to 32 bytes of lowercase hex"],
      [withField("mkey", "ab".repeat(15)), "mkey must be 16 to 32 bytes of lowercase hex"],
      [withField("mkey", "ab".repeat(33)), "mkey must be 16 to 32 bytes of lowercase hex"],
      [withField("mkey", "AB".repeat(16)), "mkey must be 16 to 32 bytes of lowercase hex"],
      [withField("count", null), "count must be 1 to 8 profiles"],
      [withField("count", "0"), "count must be 1 to 8 profiles"],
      [withField("count", "9"), "count must be 1 to 8 profiles"],
      [withField("count", "2"), "p2_label is required"],
      [withField("p1_label", null), "p1_label is required"],
      [withField("p1_kind", null), "p1_kind is required"],
      [withField("p1_alg", null), "p1_alg is required"],
      [withField("p1_digits", null), "p1_digits is required"],
      [withField("p1_secret", null), "p1_secret is required"],
      [withField("p1_label", "L".repeat(17)), "p1_label must be at most 16 of A-Z a-z 0-9 and"],
      [withField("p1_kind", "TOTP"), "p1_kind must be totp or hotp"],
      [withField("p1_alg", "SHA512"), "p1_alg must be SHA1 or SHA256"],
      [withField("p1_alg", "sha1"), "p1_alg must be SHA1 or SHA256"],
      [withField("p1_digits", "5"), "p1_digits must be 6, 7 or 8"],
      [withField("p1_digits", "9"), "p1_digits must be 6, 7 or 8"],
      [withField("p1_digits", "six"), "p1_digits must be 6, 7 or 8"],
      [withField("p1_period", null), "p1_period must be 1 to 65535 seconds"],
      [withField("p1_period", "0"), "p1_period must be 1 to 65535 seconds"],
      [withField("p1_period", "65536"), "p1_period must be 1 to 65535 seconds"],
      [withField("p1_secret", ""), "p1_secret must be 1 to 64 bytes of lowercase hex"],
      [withField("p1_secret", "abc"), "p1_secret must be 1 to 64 bytes of lowercase hex"],
      [withField("p1_secret", "AB" + bad), "p1_secret must be 1 to 64 bytes of lowercase hex"],
      [withField("p1_secret", bad + "g0"), "p1_secret must be 1 to 64 bytes of lowercase hex"],
      [withField("p1_secret", "ab".repeat(65)), "p1_secret must be 1 to 64 bytes of lowercase hex"],
    ];
    // The characters just outside each hex range ('/' ':' '`' 'g'), wherever hex is read.
    for (const outside of ["/", ":", "`", "g"]) {
      cases.push(
        [withField("mkey", "ab".repeat(15) + "0" + outside), "mkey must be 16 to 32 bytes of lowercase hex"],
        [withField("p1_secret", outside + "0" + bad), "p1_secret must be 1 to 64 bytes of lowercase hex"],
      );
    }
    const hotpFields = provisionFields("TS-0001", MKEY, [hotpProfile()]);
    cases.push(
      [withField("p1_counter", null, hotpFields), "p1_counter must be 0 to 2147483647"],
      [withField("p1_counter", "2147483648", hotpFields), "p1_counter must be 0 to 2147483647"],
      [withField("p1_counter", "-1", hotpFields), "p1_counter must be 0 to 2147483647"],
    );
    const rig = bootApp();
    for (const [fields, message] of cases) {
      const answer = rig.ask("PROVISION", fields);
      expect(outcome(answer), message).toBe("bad_argument");
      expect(answer.get("message")!.startsWith(message), `${answer.get("message")} starts with ${message}`).toBe(true);
      expect(answer.line).not.toContain(bad); // never echoes a secret
    }
    expect(records(rig)).toEqual([]);
    expect(rig.ask("HELLO").get("state")).toBe("unprovisioned");
  });

  it("takes every field at its limits, and the codes prove it", () => {
    const long = Uint8Array.from({ length: 64 }, (_, i) => 255 - i);
    const profiles: ProfileSpec[] = [
      totpProfile({ label: "A".repeat(16), period: 65535, digits: 8, algorithm: "SHA256", secret: long }),
      totpProfile({ label: "One", period: 1, digits: 7, secret: Uint8Array.of(0x5a) }),
      hotpProfile({ label: "Top", counter: 2147483646, digits: 6 }),
      hotpProfile({ label: "Zero", counter: 0, digits: 8, algorithm: "SHA256" }),
      hotpProfile({ label: "Max", counter: 2147483647 }), totpProfile({ label: "P6" }), totpProfile({ label: "P7" }),
      totpProfile({ label: "P8", secret: SEED_B }),
    ];
    const rig = bootApp();
    const mkey32 = OTHER_MKEY;
    const ok = rig.ask("PROVISION", provisionFields("a.b_c-D9" + "x".repeat(24), mkey32, profiles));
    expect(outcome(ok)).toBe("OK");
    expect(ok.get("profiles")).toBe("8");
    expect(rig.ask("HELLO").get("label5")).toBe("Max");
    for (let i = 0; i < profiles.length; i++) {
      const p = profiles[i];
      const nonce = "0123456789abcdef";
      const mac = rig.ask("VERIFY", [["nonce", nonce], ["profile", String(i + 1)]]).get("mac");
      expect(mac, p.label).toBe(verifyMac(p.secret, nonce, p.algorithm));
    }
    // The screen shows profile 1 at once; a long press walks to profile 2 (1 s period, 7 digits).
    const now = rig.now();
    expect(shows(rig, codeFrame(profiles[0].label, codeOf(profiles[0], now), secondsLeft(now, 65535), 65535))).toBe(true);
    rig.longPress();
    const then = rig.now();
    expect(shows(rig, codeFrame("One", codeOf(profiles[1], then), 1, 1))).toBe(true);
    rig.longPress();
    rig.press();
    expect(shows(rig, hotpFrame("Top", hotp(SEED_B, 2147483646, 6), 2147483646))).toBe(true);
    rig.longPress();
    rig.press();
    expect(shows(rig, hotpFrame("Zero", hotp(SEED_B, 0, 8, "SHA256"), 0))).toBe(true);
    // The 32-byte management key is the one auth takes.
    expect(outcome(rig.askAuthorised(mkey32, "WIPE", []))).toBe("OK");
  });

  it("an HOTP profile counts from its counter; a TOTP profile's period is what was sent", () => {
    const profiles = [hotpProfile({ counter: 41 }), totpProfile({ period: 60 })];
    const rig = provisioned({}, profiles);
    rig.press();
    expect(shows(rig, hotpFrame("Vpn", hotp(SEED_B, 41), 41))).toBe(true);
    rig.press();
    expect(shows(rig, hotpFrame("Vpn", hotp(SEED_B, 42), 42))).toBe(true);
    rig.longPress();
    const now = rig.now();
    expect(shows(rig, codeFrame("Duo", codeOf(profiles[1], now), secondsLeft(now, 60), 60))).toBe(true);
  });

  it("re-provisioning with auth replaces the seeds and forgets the old ones from flash", () => {
    const rig = provisioned();
    expect(flashText(rig)).toContain(Buffer.from(SEED).toString("latin1"));
    const answer = rig.askAuthorised(MKEY, "PROVISION", provisionFields("TS-0002", OTHER_MKEY, [totpProfile({ secret: SEED_B })]));
    expect(outcome(answer)).toBe("OK");
    expect(flashText(rig)).not.toContain(Buffer.from(SEED).toString("latin1"));
    const again = reboot(rig);
    expect(again.ask("HELLO").get("serial")).toBe("TS-0002");
    const nonce = "fedcba9876543210";
    expect(again.ask("VERIFY", [["nonce", nonce]]).get("mac")).toBe(verifyMac(SEED_B, nonce, "SHA1"));
    expect(outcome(again.askAuthorised(MKEY, "WIPE", []))).toBe("auth_failed");
    expect(outcome(again.askAuthorised(OTHER_MKEY, "WIPE", []))).toBe("OK");
  });

  it("re-provisioning again and again: each boot finds the newest record", () => {
    let rig = provisioned();
    let mkey = MKEY;
    for (let round = 0; round < 4; round++) {
      const next = Uint8Array.from(mkey, (b) => (b + 1) & 255);
      const answer = rig.askAuthorised(mkey, "PROVISION", provisionFields(`TS-${round}`, next, [totpProfile({ secret: Uint8Array.of(round + 1, 2, 3) })]));
      expect(outcome(answer)).toBe("OK");
      mkey = next;
      rig = reboot(rig);
      expect(rig.ask("HELLO").get("serial")).toBe(`TS-${round}`);
    }
  });

  it("a full flash: storage_full, and the old record still rules", () => {
    const rig = provisioned();
    const fields = provisionFields("TS-0002", OTHER_MKEY, [totpProfile({ secret: SEED_B })]);
    const nonce = rig.ask("NONCE").get("nonce")!;
    rig.flash.flashFull = true;
    const answer = rig.ask("PROVISION", [...fields, ["auth", authFor(MKEY, nonce, "PROVISION", fields)]]);
    rig.flash.flashFull = false;
    expect(outcome(answer)).toBe("storage_full");
    expect(answer.get("message")).toBe("flash is full: nothing was changed");
    expect(rig.ask("HELLO").get("serial")).toBe("TS-0001");
    expect(reboot(rig).ask("HELLO").get("serial")).toBe("TS-0001");
  });

  it("a power cut while the first record is written leaves an unprovisioned token that answers", () => {
    const rig = bootApp();
    rig.flash.cutAfterBytes = 10;
    const answer = provision(rig);
    expect(outcome(answer)).toBe("bad_argument");
    expect(answer.get("message")).toBe("the request could not be carried out");
    expect(reboot(rig).ask("HELLO").get("state")).toBe("unprovisioned");
  });
});

describe("VERIFY", () => {
  const profiles = [totpProfile(), totpProfile({ label: "Two", algorithm: "SHA256", secret: SEED_B })];

  it("needs a provisioned token", () => {
    const answer = bootApp().ask("VERIFY", [["nonce", "00".repeat(8)]]);
    expect(outcome(answer)).toBe("not_provisioned");
    expect(answer.get("message")).toBe("VERIFY needs a provisioned token");
  });

  it("proves profile 1 by default, any profile by number, and the management key as 0", () => {
    const rig = provisioned({}, profiles);
    const nonce = "00112233445566778899aabbccddeeff";
    const first = rig.ask("VERIFY", [["nonce", nonce]]);
    expect(first.frame.keys).toEqual(["mac", "time", "clock"]);
    expect(first.frame.values).toEqual([verifyMac(SEED, nonce, "SHA1"), String(rig.now()), "ok"]);
    expect(rig.ask("VERIFY", [["nonce", nonce], ["profile", "1"]]).get("mac")).toBe(verifyMac(SEED, nonce, "SHA1"));
    expect(rig.ask("VERIFY", [["nonce", nonce], ["profile", "2"]]).get("mac")).toBe(verifyMac(SEED_B, nonce, "SHA256"));
    expect(rig.ask("VERIFY", [["nonce", nonce], ["profile", "0"]]).get("mac")).toBe(verifyMac(MKEY, nonce, "SHA256"));
    // Back to profile 1 after 2: the kept key follows the profile asked for.
    expect(rig.ask("VERIFY", [["nonce", nonce], ["profile", "1"]]).get("mac")).toBe(verifyMac(SEED, nonce, "SHA1"));
  });

  it("refuses a bad nonce or profile", () => {
    const rig = provisioned({}, profiles);
    for (const nonce of [null, "ab".repeat(7) + "a", "ab".repeat(7), "ab".repeat(33), "AB".repeat(8), "ag".repeat(8), "a/".repeat(8), "a:".repeat(8), "a`".repeat(8)]) {
      const answer = rig.ask("VERIFY", nonce === null ? [] : [["nonce", nonce]]);
      expect(outcome(answer), String(nonce)).toBe("bad_argument");
      expect(answer.get("message")).toBe("nonce must be 8 to 32 bytes of lowercase hex");
    }
    expect(outcome(rig.ask("VERIFY", [["nonce", "ab".repeat(8)]]))).toBe("OK");
    expect(outcome(rig.ask("VERIFY", [["nonce", "ab".repeat(32)]]))).toBe("OK");
    for (const profile of ["3", "x", "-1"]) {
      const answer = rig.ask("VERIFY", [["nonce", "ab".repeat(8)], ["profile", profile]]);
      expect(outcome(answer), profile).toBe("bad_argument");
      expect(answer.get("message")).toBe("profile must be 0 (the management key) to 2");
    }
  });

  it("reports a lost clock beside the proof", () => {
    const rig = bootApp({ oscillatorStopped: true });
    expect(outcome(provision(rig))).toBe("OK");
    expect(rig.ask("VERIFY", [["nonce", "ab".repeat(8)]]).get("clock")).toBe("lost");
  });
});

describe("WIPE and FACTORY_RESET", () => {
  it("WIPE of an unprovisioned token needs no auth; of a provisioned one it does", () => {
    expect(outcome(bootApp().ask("WIPE"))).toBe("OK");
    const rig = provisioned();
    const refused = rig.ask("WIPE");
    expect(outcome(refused)).toBe("auth_required");
    expect(refused.get("message")).toContain("WIPE needs auth");
    expect(rig.ask("HELLO").get("state")).toBe("ready");
  });

  it("WIPE erases the record, shows NOT SET UP with the chip id, and a reboot agrees", () => {
    const rig = provisioned();
    expect(outcome(rig.askAuthorised(MKEY, "WIPE", []))).toBe("OK");
    expect(records(rig)).toEqual([]);
    expect(flashText(rig)).not.toContain(Buffer.from(SEED).toString("latin1"));
    expect(rig.ask("HELLO").get("profiles")).toBe("0");
    expect(shows(rig, messageFrame("NOT SET UP", "ID 246f28aabbcc", "USE TOKENSMITH"))).toBe(true);
    expect(reboot(rig).ask("HELLO").get("state")).toBe("unprovisioned");
  });

  it("WIPE compacts the flash (the erased seeds leave it); re-provisioning does not (a cut there could lose the new record)", () => {
    const rig = provisioned({ compact: true });
    expect(outcome(rig.askAuthorised(MKEY, "PROVISION", provisionFields("TS-0002", MKEY, [totpProfile({ secret: SEED_B })])))).toBe("OK");
    expect(rig.calls.compact).toBe(0);
    expect(outcome(rig.askAuthorised(MKEY, "WIPE", []))).toBe("OK");
    expect(rig.calls.compact).toBe(1);
  });

  it("WIPE after several re-provisionings erases both record slots", () => {
    const rig = provisioned();
    for (const serial of ["TS-0002", "TS-0003", "TS-0004"]) {
      expect(outcome(rig.askAuthorised(MKEY, "PROVISION", provisionFields(serial, MKEY, [totpProfile({ secret: SEED_B })])))).toBe("OK");
      expect(records(rig)).toHaveLength(1); // the previous slot forgotten each time
    }
    // A record left in the other slot, as a cut before the forget would leave it:
    const [[name, data]] = records(rig);
    rig.flash.storage.set(name === "tsrec.a" ? "tsrec.b" : "tsrec.a", data);
    const booted = reboot(rig);
    expect(outcome(booted.askAuthorised(MKEY, "WIPE", []))).toBe("OK");
    expect(records(booted)).toEqual([]);
  });

  it("FACTORY_RESET only with the button held; it erases everything and the outstanding nonce", () => {
    const rig = provisioned();
    const refused = rig.ask("FACTORY_RESET");
    expect(outcome(refused)).toBe("not_allowed");
    expect(refused.get("message")).toBe("hold the token's button while sending FACTORY_RESET: it erases every seed and key");
    expect(rig.ask("HELLO").get("state")).toBe("ready");
    const nonce = rig.ask("NONCE").get("nonce")!;
    rig.buttonDown();
    expect(outcome(rig.ask("FACTORY_RESET"))).toBe("OK");
    rig.buttonUp();
    expect(rig.ask("HELLO").get("state")).toBe("unprovisioned");
    expect(records(rig)).toEqual([]);
    // A nonce asked before the reset must not authorise anything after it.
    expect(outcome(provision(rig))).toBe("OK");
    expect(outcome(rig.ask("WIPE", [["auth", authFor(MKEY, nonce, "WIPE", [])]]))).toBe("auth_failed");
  });
});

describe("REBOOT and MAINTENANCE", () => {
  it("are refused where the platform cannot", () => {
    const rig = bootApp();
    rig.buttonDown();
    const reboot = rig.ask("REBOOT");
    expect(outcome(reboot)).toBe("not_allowed");
    expect(reboot.get("message")).toBe("this platform cannot reboot");
    const maintenance = rig.ask("MAINTENANCE");
    expect(outcome(maintenance)).toBe("not_allowed");
    expect(maintenance.get("message")).toBe("this platform has no REPL to open");
  });

  it("REBOOT answers first and restarts 50 ms later", () => {
    const rig = bootApp({ reboot: true });
    expect(outcome(rig.ask("REBOOT"))).toBe("OK");
    expect(rig.calls.reboot).toBe(0);
    rig.advance(49);
    expect(rig.calls.reboot).toBe(0);
    rig.advance(1);
    expect(rig.calls.reboot).toBe(1);
    rig.ask("HELLO");
    rig.advance(1000);
    expect(rig.calls.reboot).toBe(1); // once, not after every later frame
  });

  it("MAINTENANCE needs the button held, then opens the REPL after its answer", () => {
    const rig = bootApp({ repl: true });
    const refused = rig.ask("MAINTENANCE");
    expect(outcome(refused)).toBe("not_allowed");
    expect(refused.get("message")).toBe("hold the token's button while sending MAINTENANCE");
    rig.advance(100);
    expect(rig.calls.repl).toBe(0);
    rig.buttonDown();
    expect(outcome(rig.ask("MAINTENANCE"))).toBe("OK");
    expect(rig.calls.repl).toBe(0);
    rig.advance(50);
    expect(rig.calls.repl).toBe(1);
  });
});

describe("frames", () => {
  it("an unknown verb is named in its refusal", () => {
    const answer = bootApp().ask("LAUNCH");
    expect(outcome(answer)).toBe("unknown_command");
    expect(answer.get("message")).toBe("unknown command LAUNCH");
  });

  it("garbage and a bad CRC get an error answer with seq 0; an echoed answer gets none", () => {
    const rig = bootApp();
    const garbage = rig.sendRaw("hello there\n");
    expect(garbage).toHaveLength(1);
    expect(garbage[0]).toMatch(/^<0 ERR code=bad_frame message=/);
    const good = wireFrame(7, "HELLO");
    const badCrc = good.replace(/\*[0-9a-f]{8}/, "*00000000");
    const bad = rig.sendRaw(badCrc);
    expect(bad[0]).toContain("code=bad_frame");
    expect(bad[0]).toContain("bad%20CRC");
    expect(rig.sendRaw(wireFrame(8, "OK", [], "<"))).toEqual([]);
  });

  it("an over-long line is refused once, and the next frame is served", () => {
    const rig = bootApp();
    const lines = rig.sendRaw("x".repeat(3000));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("code=too_long");
    expect(lines[0]).toContain("message=frames%20are%20at%20most%202048%20bytes");
    rig.sendRaw("\n");
    expect(outcome(rig.ask("TIME"))).toBe("OK");
  });

  it("a frame in pieces is one request; two frames in one chunk are two", () => {
    const rig = bootApp();
    const frame = wireFrame(300, "TIME");
    expect(rig.sendRaw(frame.slice(0, 5))).toEqual([]);
    expect(rig.sendRaw(frame.slice(5, 12))).toEqual([]);
    expect(rig.sendRaw(frame.slice(12))).toHaveLength(1);
    expect(rig.sendRaw(wireFrame(301, "TIME") + wireFrame(302, "HELLO"))).toHaveLength(2);
  });

  it("a retried frame (same seq and CRC) gets the same answer without running again", () => {
    const rig = bootApp();
    const frame = wireFrame(500, "NONCE");
    const first = rig.sendRaw(frame);
    const written = rig.flash.storageBytesWritten;
    const again = rig.sendRaw(frame);
    expect(again).toEqual(first);
    expect(rig.flash.storageBytesWritten).toBe(written); // the nonce counter did not move
    // Same seq, other content: a new request.
    const other = rig.sendRaw(wireFrame(500, "NONCE", [["x", "1"]]));
    expect(other[0]).not.toBe(first[0]);
    // Same content, next seq: a new request too.
    const next = rig.sendRaw(wireFrame(501, "NONCE"));
    expect(next[0]).not.toContain(first[0].split(" ")[2]);
  });

  it("answers carry a CRC a host can check", () => {
    const line = bootApp().sendRaw(wireFrame(9, "TIME"))[0];
    const star = line.lastIndexOf("*");
    expect(line.slice(star + 1)).toBe(crcHex(line.slice(0, star)));
  });

  it("no secret ever crosses the wire", () => {
    const rig = provisioned({}, [totpProfile(), hotpProfile()]);
    rig.ask("VERIFY", [["nonce", "ab".repeat(8)]]);
    rig.ask("PROVISION", provisionFields("TS-0003", MKEY, [totpProfile({ secret: SEED_B })]));
    rig.ask("HELLO");
    const wire = rig.uart.join("").toLowerCase();
    for (const secret of [SEED, SEED_B, MKEY]) {
      expect(wire).not.toContain(Buffer.from(secret).toString("hex"));
      expect(wire).not.toContain(Buffer.from(secret).toString("latin1").toLowerCase());
    }
  });
});

describe("the display follows the protocol", () => {
  it("PROVISION shows profile 1's code at once", () => {
    const rig = bootApp();
    expect(shows(rig, messageFrame("NOT SET UP", "ID 246f28aabbcc", "USE TOKENSMITH"))).toBe(true);
    expect(outcome(provision(rig))).toBe("OK");
    const now = rig.now();
    expect(shows(rig, codeFrame("Duo", codeOf(totpProfile(), now), secondsLeft(now), 30))).toBe(true);
  });

  it("a display that stops answering does not stop the protocol", () => {
    const rig = bootApp();
    rig.unplug(SSD1306_ADDRESS);
    expect(outcome(provision(rig))).toBe("OK");
    expect(rig.ask("HELLO").get("fault")).toBe("display");
  });
});
