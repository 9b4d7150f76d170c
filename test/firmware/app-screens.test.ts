/**
 * firmware/app/token.ts in this process (app-rig.ts): what the glass shows from boot on, the
 * countdown second by second (also when ticks come late), the button (press, long press, a
 * wake), HOTP counters through reboots and a full flash, parts that stop answering, and when
 * the display goes dark and the chip sleeps. The expected frames are drawn with firmware/ui
 * (not under test here) from codes computed by node:crypto (app-oracle.ts).
 */
import { describe, expect, it } from "vitest";
import type { ProfileSpec } from "../../host/device/client.js";
import { compressionsSoFar } from "../../shared/otp/hash.js";
import { FIRMWARE_EPOCH } from "../../firmware/app/version.js";
import { DISPLAY_ON_SECONDS, HOST_AWAKE_SECONDS, LONG_PRESS_MS } from "../../firmware/app/settings.js";
import { RECORD_FILE_A, saveRecord } from "../../firmware/store/records.js";
import { DS3231_ADDRESS } from "../../hardware/sim/devices/ds3231.js";
import { SSD1306_ADDRESS } from "../../hardware/sim/devices/ssd1306.js";
import { APP_START, bootApp, codeFrame, hotpFrame, messageFrame, shows, type AppRig, type AppRigOptions } from "./app-rig.js";
import { codeOf, hotp, secondsLeft } from "./app-oracle.js";
import { provisionFields } from "../protocol/raw-wire.js";
import { createFakeHal } from "./fake-hal.js";

const MKEY = Uint8Array.from({ length: 16 }, (_, i) => 0x30 + i);
const SEED = Uint8Array.from(Buffer.from("3132333435363738393031323334353637383930", "hex"));
const SEED_B = Uint8Array.from({ length: 20 }, (_, i) => (i * 53 + 7) & 255);
const SEED_C = Uint8Array.from({ length: 32 }, (_, i) => (i * 11 + 1) & 255);

const totpProfile = (options: Partial<ProfileSpec> = {}): ProfileSpec => ({
  label: "Mail", kind: "totp", algorithm: "SHA1", digits: 6, period: 30, secret: SEED, ...options,
});
const hotpProfile = (options: Partial<ProfileSpec> = {}): ProfileSpec => ({
  label: "Door", kind: "hotp", algorithm: "SHA1", digits: 6, counter: 9, secret: SEED_B, ...options,
});

const NOT_SET_UP = messageFrame("NOT SET UP", "ID 246f28aabbcc", "USE TOKENSMITH");
const CLOCK_LOST = messageFrame("CLOCK LOST", "RESYNC WITH", "TOKENSMITH");
const CLOCK_FAULT = messageFrame("CLOCK FAULT", "RTC NOT", "ANSWERING");
const NEEDS_SETUP = messageFrame("NEEDS SETUP", "RECORD DAMAGED", "RE-PROVISION");

function provisioned(options: AppRigOptions = {}, profiles: ProfileSpec[] = [totpProfile()]): AppRig {
  const rig = bootApp(options);
  expect(rig.ask("PROVISION", provisionFields("TS-7", MKEY, profiles)).verb).toBe("OK");
  return rig;
}

const reboot = (rig: AppRig, options: AppRigOptions = {}) => bootApp({ ...options, board: rig });

/** The frame a TOTP profile should show now. */
function totpNow(rig: AppRig, profile: ProfileSpec): number[] {
  const now = rig.now();
  const period = profile.period ?? 30;
  return codeFrame(profile.label, codeOf(profile, now), secondsLeft(now, period), period);
}

describe("boot", () => {
  it("a token whose clock stopped shows CLOCK LOST, never digits, and does not take the DS3231's reading", () => {
    const rig = bootApp({ oscillatorStopped: true });
    expect(rig.ask("PROVISION", provisionFields("TS-7", MKEY, [totpProfile()])).verb).toBe("OK");
    const booted = reboot(rig);
    expect(shows(booted, CLOCK_LOST)).toBe(true);
    expect(booted.now()).toBeLessThan(FIRMWARE_EPOCH); // the ESP32's own clock, never set from it
    booted.press();
    expect(shows(booted, CLOCK_LOST)).toBe(true);
  });

  it("a DS3231 reading from before the firmware's epoch is a lost clock; the epoch itself is not", () => {
    const before = provisioned({ rtcUnixSeconds: FIRMWARE_EPOCH - 1 });
    expect(before.ask("HELLO").get("state")).toBe("clock_lost");
    expect(shows(before, CLOCK_LOST)).toBe(true);
    const at = provisioned({ rtcUnixSeconds: FIRMWARE_EPOCH });
    expect(at.ask("HELLO").get("state")).toBe("ready");
    expect(at.now()).toBe(FIRMWARE_EPOCH);
  });

  it("a damaged record: NEEDS SETUP, also over a DS3231 fault", () => {
    const rig = provisioned();
    const file = rig.flash.storage.get(RECORD_FILE_A)!;
    rig.flash.storage.set(RECORD_FILE_A, file.slice(0, 20) + String.fromCharCode(file.charCodeAt(20) ^ 1) + file.slice(21));
    const booted = reboot(rig);
    expect(booted.ask("HELLO").get("state")).toBe("needs_setup");
    expect(shows(booted, NEEDS_SETUP)).toBe(true);
    const faulty = reboot(rig, { withoutRtc: true });
    expect(faulty.ask("HELLO").get("fault")).toBe("rtc");
    expect(shows(faulty, NEEDS_SETUP)).toBe(true);
  });

  it("a DS3231 that does not answer: CLOCK FAULT, provisioned or not", () => {
    expect(shows(bootApp({ withoutRtc: true }), CLOCK_FAULT)).toBe(true);
    const rig = provisioned();
    const booted = reboot(rig, { withoutRtc: true });
    expect(shows(booted, CLOCK_FAULT)).toBe(true);
    booted.press();
    expect(shows(booted, CLOCK_FAULT)).toBe(true);
  });

  it("a display that does not answer: the token still boots and answers, and presses do not throw", () => {
    const rig = provisioned();
    const booted = reboot(rig, { withoutDisplay: true });
    expect(booted.ask("HELLO").get("fault")).toBe("display");
    booted.press();
    booted.advance((DISPLAY_ON_SECONDS + 1) * 1000);
    expect(booted.ask("HELLO").get("state")).toBe("ready");
  });

  it("a record saved before budgets counted sizes (a negative sum) counts as that much used", () => {
    const flash = createFakeHal({ typedBytes: true });
    const first = provisioned();
    for (const [name, data] of first.flash.storage) flash.storage.set(name, data);
    saveRecord(flash.hal, {
      sequence: 5, serial: "OLD-1", managementKey: [...MKEY], driftBudgetUsed: -60,
      profiles: [{ label: "Mail", kind: "totp", algorithm: "SHA1", digits: 6, period: 30, counter: 0, secret: Buffer.from(SEED).toString("latin1") }],
    });
    const rig = bootApp({ board: { ...first, flash } });
    expect(rig.ask("HELLO").get("serial")).toBe("OLD-1");
    let left = 0;
    for (let i = 0; i < 6; i++) if (rig.ask("TIME_SET", [["time", String(rig.now() + 10)]]).verb === "OK") left += 10;
    expect(left).toBe(30);
  });
});

describe("the TOTP screen", () => {
  it("shows the right code and seconds left at every second across windows", () => {
    const profile = totpProfile();
    const rig = provisioned({}, [profile]);
    for (let second = 0; second < 75; second++) {
      if (second % 20 === 0) rig.press(); // keep it lit
      rig.advance(1000);
      expect(shows(rig, totpNow(rig, profile)), `at +${second} s`).toBe(true);
    }
  });

  it("a 60 s, 8-digit SHA-256 profile, pressed half-way through a second", () => {
    const profile = totpProfile({ period: 60, digits: 8, algorithm: "SHA256", secret: SEED_C, label: "Bank" });
    const rig = provisioned({}, [profile]);
    rig.advance(500);
    rig.press();
    for (let step = 0; step < 50; step++) {
      rig.advance(250);
      // Ticks land on whole seconds: check just after each.
      if ((rig.clock.nowMs() % 1000) === 50) expect(shows(rig, totpNow(rig, profile)), `at ${rig.clock.nowMs()}`).toBe(true);
    }
    for (let second = 0; second < 70; second++) {
      if (second % 25 === 0) rig.press();
      rig.advance(1000);
      expect(shows(rig, totpNow(rig, profile))).toBe(true);
    }
  });

  it("ticks that come late or early still show the code of the time read", () => {
    const profile = totpProfile();
    // Booted 7 s into a window, 3 s on: the next tick reads 11 s + the stall. 49 s lands it on
    // the first second two windows on (the window after next, not the next one).
    for (const stallMs of [5_000, 23_000, 30_000, 49_000, 53_000, 60_000, 90_000, -4_000, -40_000]) {
      const rig = provisioned({}, [profile]);
      rig.advance(3_000);
      rig.stall(stallMs);
      rig.advance(1_000);
      expect(shows(rig, totpNow(rig, profile)), `stalled ${stallMs} ms`).toBe(true);
      rig.advance(1_000);
      expect(shows(rig, totpNow(rig, profile)), `stalled ${stallMs} ms, a second on`).toBe(true);
    }
  });

  it("goes dark after its time on, and a press lights it with the code again", () => {
    const profile = totpProfile();
    const rig = provisioned({}, [profile]);
    rig.advance(DISPLAY_ON_SECONDS * 1000 - 100);
    expect(rig.display.isOn()).toBe(true);
    rig.advance(200);
    expect(rig.display.isOn()).toBe(false);
    rig.advance(5_000);
    expect(rig.display.isOn()).toBe(false); // no tick lights it again
    rig.press();
    expect(shows(rig, totpNow(rig, profile))).toBe(true);
    // Each press starts the time on again.
    rig.advance(20_000);
    rig.press();
    rig.advance(20_000);
    expect(shows(rig, totpNow(rig, profile))).toBe(true);
  });

  it("keeps one tick going however often it is pressed (no timers pile up)", () => {
    const profile = totpProfile();
    const rig = provisioned({}, [profile, totpProfile({ label: "Two", secret: SEED_B })]);
    for (let i = 0; i < 10; i++) {
      rig.press();
      rig.advance(1_000);
    }
    rig.longPress();
    rig.longPress();
    // The second's tick and the display-off countdown.
    expect(rig.clock.pending()).toBe(2);
    rig.advance((DISPLAY_ON_SECONDS + 1) * 1000);
    expect(rig.clock.pending()).toBe(0);
  });

  it("a key is prepared once per profile, not for every code (RFC 2104 pads kept)", () => {
    const rig = provisioned({}, [totpProfile(), totpProfile({ label: "Two", secret: SEED_B })]);
    const cost = (act: () => void) => {
      const before = compressionsSoFar();
      act();
      return compressionsSoFar() - before;
    };
    // Booted 7 s into a window: the rollover 23 s on computes a code with the kept key.
    const rollover = cost(() => rig.advance(23_100));
    expect(rollover).toBe(2); // inner and outer hash of one 8-byte counter
    const first = cost(() => rig.longPress()); // profile 2: its pads are prepared first
    expect(first).toBe(4);
    expect(cost(() => rig.advance(29_000))).toBe(2); // the next rollover, with the kept key
    expect(shows(rig, totpNow(rig, totpProfile({ label: "Two", secret: SEED_B })))).toBe(true);
  });
});

describe("the button", () => {
  const three = [totpProfile({ label: "One" }), totpProfile({ label: "Two", secret: SEED_B }), hotpProfile({ label: "Three" })];

  it("a long press walks the profiles and wraps; a HOTP profile waits for a press", () => {
    const rig = provisioned({}, three);
    expect(shows(rig, totpNow(rig, three[0]))).toBe(true);
    rig.longPress();
    expect(shows(rig, totpNow(rig, three[1]))).toBe(true);
    rig.longPress();
    expect(shows(rig, messageFrame("Three", "PRESS FOR", "NEXT CODE"))).toBe(true);
    rig.longPress();
    expect(shows(rig, totpNow(rig, three[0]))).toBe(true);
  });

  it("a press shorter than the long press is a press; one held past it is not", () => {
    const rig = provisioned({}, [hotpProfile()]);
    rig.buttonDown();
    rig.advance(LONG_PRESS_MS - 10);
    rig.buttonUp();
    expect(shows(rig, hotpFrame("Door", hotp(SEED_B, 9), 9))).toBe(true);
    rig.buttonDown();
    rig.advance(LONG_PRESS_MS + 10);
    rig.buttonUp();
    // One profile: the long press redraws what the state calls for, without a code.
    expect(shows(rig, messageFrame("Door", "PRESS FOR", "NEXT CODE"))).toBe(true);
    rig.press();
    expect(shows(rig, hotpFrame("Door", hotp(SEED_B, 10), 10))).toBe(true);
  });

  it("repeated edges count once: a second down, a release without a press", () => {
    const rig = provisioned({}, [hotpProfile()]);
    rig.buttonUp(); // a release nobody pressed
    expect(shows(rig, messageFrame("Door", "PRESS FOR", "NEXT CODE"))).toBe(true);
    rig.buttonDown();
    rig.advance(100);
    rig.buttonDown(); // bounce
    rig.advance(100);
    rig.buttonUp();
    expect(shows(rig, hotpFrame("Door", hotp(SEED_B, 9), 9))).toBe(true);
    rig.press();
    expect(shows(rig, hotpFrame("Door", hotp(SEED_B, 10), 10))).toBe(true);
  });

  it("a long press with a lost clock stays on the message and on profile 1", () => {
    const rig = bootApp({ oscillatorStopped: true });
    expect(rig.ask("PROVISION", provisionFields("TS-7", MKEY, three)).verb).toBe("OK");
    rig.longPress();
    expect(shows(rig, CLOCK_LOST)).toBe(true);
    rig.ask("NONCE"); // (a host is talking)
    const set = rig.askAuthorised(MKEY, "TIME_SET", [["time", String(APP_START + 40)]]);
    expect(set.verb).toBe("OK");
    expect(shows(rig, totpNow(rig, three[0]))).toBe(true);
  });

  it("a bounce during a long press does not restart its count", () => {
    const rig = provisioned({}, [hotpProfile()]);
    rig.buttonDown();
    rig.advance(LONG_PRESS_MS - 300);
    rig.buttonDown(); // bounce
    rig.advance(400); // past LONG_PRESS_MS from the first edge
    rig.buttonUp();
    rig.advance(300);
    expect(shows(rig, messageFrame("Door", "PRESS FOR", "NEXT CODE"))).toBe(true);
  });

  it("a long press on a token that is not set up stays on NOT SET UP", () => {
    const rig = bootApp();
    rig.longPress();
    expect(shows(rig, NOT_SET_UP)).toBe(true);
    expect(rig.ask("HELLO").get("state")).toBe("unprovisioned");
  });

  it("one profile: a long press keeps it", () => {
    const profile = totpProfile();
    const rig = provisioned({}, [profile]);
    rig.longPress();
    expect(shows(rig, totpNow(rig, profile))).toBe(true);
  });

  it("a wake by a press shows the next HOTP code, and its release is not a second press", () => {
    const rig = provisioned({}, [hotpProfile()]);
    const woken = reboot(rig, { buttonHeld: true });
    expect(shows(woken, hotpFrame("Door", hotp(SEED_B, 9), 9))).toBe(true);
    woken.advance(LONG_PRESS_MS + 100); // held on: no long press either
    woken.buttonUp();
    woken.advance(300);
    expect(shows(woken, hotpFrame("Door", hotp(SEED_B, 9), 9))).toBe(true);
    woken.press();
    expect(shows(woken, hotpFrame("Door", hotp(SEED_B, 10), 10))).toBe(true);
  });
});

describe("HOTP", () => {
  it("the counter is saved before its code shows: a reboot never shows a code again", () => {
    const rig = provisioned({}, [hotpProfile()]);
    rig.press();
    expect(shows(rig, hotpFrame("Door", hotp(SEED_B, 9), 9))).toBe(true);
    const booted = reboot(rig);
    booted.press();
    expect(shows(booted, hotpFrame("Door", hotp(SEED_B, 10), 10))).toBe(true);
  });

  it("a full flash: STORAGE ERROR, and the same counter's code once flash has room", () => {
    const rig = provisioned({}, [hotpProfile()]);
    rig.flash.flashFull = true;
    rig.press();
    expect(shows(rig, messageFrame("STORAGE ERROR", "COUNTER NOT", "SAVED"))).toBe(true);
    rig.flash.flashFull = false;
    rig.press();
    expect(shows(rig, hotpFrame("Door", hotp(SEED_B, 9), 9))).toBe(true);
    expect(reboot(rig).ask("HELLO").get("state")).toBe("ready");
  });

  it("an HOTP screen does not tick: it stays as drawn until the display goes dark", () => {
    const rig = provisioned({}, [hotpProfile()]);
    rig.press();
    const frame = hotpFrame("Door", hotp(SEED_B, 9), 9);
    rig.advance(DISPLAY_ON_SECONDS * 1000 - 500);
    expect(shows(rig, frame)).toBe(true);
  });
});

describe("parts that stop answering", () => {
  it("a display unplugged while running is noted as a fault; the codes go on", () => {
    const profile = totpProfile();
    const rig = provisioned({}, [profile]);
    expect(rig.ask("HELLO").get("fault")).toBeNull();
    rig.unplug(SSD1306_ADDRESS);
    rig.advance(1_000);
    expect(rig.ask("HELLO").get("fault")).toBe("display");
  });

  it("a display that fails only when it is turned off is noted too", () => {
    const rig = provisioned();
    rig.advance(DISPLAY_ON_SECONDS * 1000 - 500);
    rig.unplug(SSD1306_ADDRESS);
    rig.advance(1_000);
    expect(rig.ask("HELLO").get("fault")).toBe("display");
  });

  it("a display turned off by the panel itself is turned on again for the next frame", () => {
    const profile = totpProfile();
    const rig = provisioned({}, [profile]);
    rig.advance((DISPLAY_ON_SECONDS + 1) * 1000);
    expect(rig.display.isOn()).toBe(false);
    rig.press();
    expect(shows(rig, totpNow(rig, profile))).toBe(true);
  });

  it("a DS3231 lost at boot and back later: TIME_SET clears the fault and the screen shows codes", () => {
    const profile = totpProfile();
    const rig = provisioned({}, [profile]);
    const booted = reboot(rig, { withoutRtc: true });
    booted.plug(DS3231_ADDRESS);
    expect(booted.askAuthorised(MKEY, "TIME_SET", [["time", String(APP_START + 100)]]).verb).toBe("OK");
    expect(shows(booted, totpNow(booted, profile))).toBe(true);
  });
});

describe("sleep", () => {
  it("without a host, the chip sleeps when the display goes dark", () => {
    const rig = provisioned({ deepSleep: true });
    const quiet = reboot(rig, { deepSleep: true });
    quiet.advance(DISPLAY_ON_SECONDS * 1000 - 100);
    expect(quiet.calls.deepSleep).toBe(0);
    quiet.advance(200);
    expect(quiet.calls.deepSleep).toBe(1);
  });

  it("a host that spoke recently keeps it awake until it has been quiet long enough", () => {
    const rig = bootApp({ deepSleep: true });
    rig.ask("HELLO");
    rig.advance(DISPLAY_ON_SECONDS * 1000 + 100);
    expect(rig.display.isOn()).toBe(false);
    expect(rig.calls.deepSleep).toBe(0);
    rig.advance((HOST_AWAKE_SECONDS - DISPLAY_ON_SECONDS) * 1000 - 300);
    expect(rig.calls.deepSleep).toBe(0);
    rig.advance(400);
    expect(rig.calls.deepSleep).toBe(1);
  });

  it("a token whose clock is lost sleeps too (its clock reads 1970)", () => {
    const rig = bootApp({ oscillatorStopped: true, deepSleep: true });
    rig.advance(DISPLAY_ON_SECONDS * 1000 + 100);
    expect(rig.calls.deepSleep).toBe(1);
  });

  it("not while the press that woke it is still held", () => {
    const rig = provisioned({ deepSleep: true }, [hotpProfile()]);
    const woken = reboot(rig, { buttonHeld: true, deepSleep: true });
    woken.advance(DISPLAY_ON_SECONDS * 1000 + 100);
    expect(woken.display.isOn()).toBe(false);
    expect(woken.calls.deepSleep).toBe(0);
  });

  it("never with the button held, and never where the platform cannot sleep", () => {
    const held = bootApp({ deepSleep: true });
    held.buttonDown();
    held.advance((HOST_AWAKE_SECONDS + DISPLAY_ON_SECONDS) * 1000);
    expect(held.calls.deepSleep).toBe(0);
    const awake = bootApp();
    awake.advance((HOST_AWAKE_SECONDS + DISPLAY_ON_SECONDS) * 1000);
    expect(awake.display.isOn()).toBe(false);
    awake.press();
    expect(shows(awake, NOT_SET_UP)).toBe(true);
  });
});
