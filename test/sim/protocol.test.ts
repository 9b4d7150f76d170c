/**
 * The wire protocol as a host sees it, against the simulated token running the built bundle:
 * frames written by hand from PROTOCOL.md (not with the codec under test), answers decoded,
 * codes checked against otplib and MACs against node:crypto.
 */
import { describe, expect, it } from "vitest";
import { createHmac, randomBytes } from "node:crypto";
import {
  MKEY,
  START,
  ask,
  askAuthorised,
  authFor,
  bootToken,
  longPress,
  flashImage,
  crcHex,
  helloState,
  nowOf,
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
} from "./support.js";
import { readCode } from "./display-reader.js";
import type { SimulatedToken } from "../../hardware/sim/token.js";
import type { ProfileSpec } from "../../host/device/client.js";


const FIRMWARE_EPOCH = 1795305600; // 2026-11-22T00:00:00Z, as in firmware/app/version.ts

function provisioned(profiles: ProfileSpec[] = [totpProfile(randomBytes(20))], options = {}) {
  const rig = bootToken(options);
  const answer = ask(rig.token, "PROVISION", provisionFields("TS-0001", MKEY, profiles));
  expect(outcome(answer)).toBe("OK");
  expect(answer.get("profiles")).toBe(String(profiles.length));
  return rig;
}

/** The whole flash as comparable data: live files and their bytes. */
function loseClock(token: SimulatedToken): void {
  token.batteryOut();
  token.powerOff();
  token.batteryIn();
  token.powerOn();
}

describe("frames", () => {
  it("HELLO on a fresh token", () => {
    const { token } = bootToken({ deviceId: "a1b2c3d4e5f6" });
    const hello = ask(token, "HELLO", [], 17);
    expect(hello.verb).toBe("OK");
    expect(hello.seq).toBe(17);
    expect(hello.frame.keys).toEqual(["model", "firmware", "protocol", "serial", "id", "state", "profiles", "time", "clock", "hash"]);
    expect(hello.frame.values).toEqual(["tokensmith-esp32", "0.1.0", "2", "", "a1b2c3d4e5f6", "unprovisioned", "0", String(nowOf(token)), "ok", "native"]);
    expect(ask(bootToken({ nativeCrypto: false }).token, "HELLO").get("hash")).toBe("pure");
  });

  it("HELLO on a provisioned token lists serial and labels", () => {
    const { token } = provisioned([totpProfile(randomBytes(20), { label: "Mail" }), totpProfile(randomBytes(32), { label: "My VPN", algorithm: "SHA256" })]);
    token.advance(42);
    const hello = ask(token, "HELLO");
    expect(hello.frame.keys).toEqual(["model", "firmware", "protocol", "serial", "id", "state", "profiles", "label1", "label2", "time", "clock", "hash"]);
    expect(hello.get("serial")).toBe("TS-0001");
    expect(hello.get("state")).toBe("ready");
    expect(hello.get("profiles")).toBe("2");
    expect(hello.get("label1")).toBe("Mail");
    expect(hello.get("label2")).toBe("My VPN");
    expect(hello.line).toContain(" label2=My%20VPN ");
    expect(hello.get("time")).toBe(String(nowOf(token)));
  });

  it("TIME follows the token's clock", () => {
    const { token } = bootToken();
    const first = ask(token, "TIME");
    expect(first.frame.keys).toEqual(["time", "clock"]);
    expect(first.get("time")).toBe(String(START));
    expect(first.get("clock")).toBe("ok");
    token.advance(100);
    expect(ask(token, "TIME").get("time")).toBe(String(START + 100));
  });

  it("unknown verb: unknown_command with the request's seq", () => {
    const { token } = bootToken();
    const answer = ask(token, "FROBNICATE", [], 321);
    expect(answer.seq).toBe(321);
    expect(answer.verb).toBe("ERR");
    expect(answer.get("code")).toBe("unknown_command");
  });

  it.each([
    ["bad CRC", ">5 HELLO *00000000\n"],
    ["CRC in uppercase", (() => { const f = wireFrame(5, "HELLO"); return f.slice(0, -9) + f.slice(-9, -1).toUpperCase() + "\n"; })()],
    ["no '*'", ">5 HELLO\n"],
    ["lowercase verb", `>5 hello *${crcHex(">5 hello ")}\n`],
    ["leading zero in seq", `>05 HELLO *${crcHex(">05 HELLO ")}\n`],
    ["field without '='", `>5 HELLO x *${crcHex(">5 HELLO x ")}\n`],
    ["non-canonical escape", `>5 HELLO x=%41 *${crcHex(">5 HELLO x=%41 ")}\n`],
    ["duplicate key", `>5 HELLO x=1 x=2 *${crcHex(">5 HELLO x=1 x=2 ")}\n`],
    ["not a frame at all", "hello there\n"],
  ])("%s: <0 ERR code=bad_frame", (_, text) => {
    const { token } = bootToken();
    const lines = sendRaw(token, text);
    expect(lines).toHaveLength(1);
    const answer = parseAnswer(lines[0]);
    expect(answer.seq).toBe(0);
    expect(answer.verb).toBe("ERR");
    expect(answer.get("code")).toBe("bad_frame");
    expect(answer.get("message")).not.toBe("");
  });

  it("the 2048-byte limit: a frame of exactly 2048 bytes works, 2049 is too_long, and the next frame works", () => {
    const { token } = bootToken();
    const sized = (total: number, seq: number) => {
      const bare = wireFrame(seq, "HELLO", [["pad", ""]]).length;
      return wireFrame(seq, "HELLO", [["pad", "a".repeat(total - bare)]]);
    };
    expect(sized(2048, 9)).toHaveLength(2048);
    expect(outcome(parseAnswer(sendRaw(token, sized(2048, 9))[0]))).toBe("OK");
    // A "\r" before the "\n" is not counted.
    const withCr = sized(2048, 10).replace(/\n$/, "\r\n");
    expect(withCr).toHaveLength(2049);
    const crAnswer = parseAnswer(sendRaw(token, withCr)[0]);
    expect([crAnswer.seq, outcome(crAnswer)]).toEqual([10, "OK"]);
    const long = sized(2049, 11);
    const lines = sendRaw(token, long + wireFrame(12, "TIME"));
    expect(lines).toHaveLength(2);
    const tooLong = parseAnswer(lines[0]);
    expect([tooLong.seq, tooLong.verb, tooLong.get("code")]).toEqual([0, "ERR", "too_long"]);
    expect(parseAnswer(lines[1]).seq).toBe(12);
    expect(outcome(parseAnswer(lines[1]))).toBe("OK");
  });

  it("an overlong line arriving in pieces is answered once, the rest discarded up to its newline", () => {
    const { token } = bootToken();
    const answers: string[] = [];
    answers.push(...sendRaw(token, ">1 HELLO x=" + "a".repeat(1500)));
    answers.push(...sendRaw(token, "b".repeat(1500)));
    answers.push(...sendRaw(token, "c".repeat(3000)));
    answers.push(...sendRaw(token, "d *12345678\n" + wireFrame(12, "TIME").slice(0, 5)));
    answers.push(...sendRaw(token, wireFrame(12, "TIME").slice(5)));
    expect(answers.map((l) => parseAnswer(l)).map((a) => [a.seq, outcome(a)])).toEqual([
      [0, "too_long"],
      [12, "OK"],
    ]);
  });

  it("a < frame (token to host) sent to the token gets no answer", () => {
    const { token } = bootToken();
    expect(sendRaw(token, wireFrame(3, "OK", [["time", "1"]], "<"))).toEqual([]);
    expect(sendRaw(token, wireFrame(4, "HELLO", [], "<"))).toEqual([]);
    expect(outcome(ask(token, "HELLO"))).toBe("OK");
  });

  it("several frames in one chunk, and one frame in many chunks", () => {
    const { token } = bootToken();
    const lines = sendRaw(token, wireFrame(1, "TIME") + wireFrame(2, "HELLO") + "\r\n\n" + wireFrame(3, "TIME").replace("\n", "\r\n"));
    expect(lines.map((l) => parseAnswer(l).seq)).toEqual([1, 2, 3]);
    const text = wireFrame(4, "HELLO");
    const got: string[] = [];
    for (const ch of text) got.push(...sendRaw(token, ch));
    expect(got.map((l) => parseAnswer(l).seq)).toEqual([4]);
  });
});

describe("retries", () => {
  it("NONCE resent: the same answer, byte for byte; a new seq is a new nonce", () => {
    const { token } = bootToken();
    const frame = wireFrame(700, "NONCE");
    const first = sendRaw(token, frame);
    const again = sendRaw(token, frame);
    expect(first).toHaveLength(1);
    expect(again).toEqual(first);
    const nonce = parseAnswer(first[0]).get("nonce")!;
    expect(nonce).toMatch(/^[0-9a-f]{32}$/);
    const next = ask(token, "NONCE", [], 701).get("nonce");
    expect(next).toMatch(/^[0-9a-f]{32}$/);
    expect(next).not.toBe(nonce);
  });

  it("the retried NONCE's nonce is the one outstanding (the resend did not issue another)", () => {
    const { token } = provisioned();
    const frame = wireFrame(710, "NONCE");
    const nonce = parseAnswer(sendRaw(token, frame)[0]).get("nonce")!;
    sendRaw(token, frame);
    const answer = ask(token, "WIPE", [["auth", authFor(MKEY, nonce, "WIPE", [])]]);
    expect(outcome(answer)).toBe("OK");
  });

  it("same seq with different content is a new request", () => {
    const { token } = bootToken();
    const a = parseAnswer(sendRaw(token, wireFrame(720, "NONCE"))[0]).get("nonce");
    const b = parseAnswer(sendRaw(token, wireFrame(720, "NONCE", [["x", "1"]]))[0]).get("nonce");
    expect(b).not.toBe(a);
    // Only the last request is remembered: after another request, the first frame runs again.
    const t0 = nowOf(token);
    sendRaw(token, wireFrame(721, "TIME_SET", [["time", String(t0 + 10)]]));
    const answer = parseAnswer(sendRaw(token, wireFrame(721, "TIME_SET", [["time", String(t0 + 15)]]))[0]);
    expect([outcome(answer), answer.get("offset")]).toEqual(["OK", "5"]);
  });

  it("TIME_SET resent: same answer, the clock and flash untouched by the resend", () => {
    const { token } = provisioned();
    const t0 = nowOf(token);
    const frame = wireFrame(730, "TIME_SET", [["time", String(t0 + 20)]]);
    const bytes0 = token.flash.bytesWrittenTotal;
    const first = sendRaw(token, frame);
    expect(outcome(parseAnswer(first[0]))).toBe("OK");
    expect(parseAnswer(first[0]).get("offset")).toBe("20");
    const bytes1 = token.flash.bytesWrittenTotal;
    expect(bytes1).toBeGreaterThan(bytes0); // the budget was saved
    token.advance(10); // run again, it would step the clock back 10 s and save a budget of 10
    expect(sendRaw(token, frame)).toEqual(first);
    expect(token.flash.bytesWrittenTotal).toBe(bytes1);
    expect(ask(token, "TIME").get("time")).toBe(String(t0 + 30));
    expect(Math.floor(token.rtc.trueUnixSeconds())).toBe(t0 + 30);
    expect(probeDriftBudgetLeft(token)).toBe(70);
  });

  it("PROVISION resent: same answer, flash written once", () => {
    const { token } = bootToken();
    const h = secretFor(randomBytes(20));
    const frame = wireFrame(740, "PROVISION", provisionFields("TS-9", MKEY, [{ label: "Door", kind: "hotp", algorithm: "SHA1", digits: 6, counter: 7, secret: h }]));
    const first = sendRaw(token, frame);
    expect(outcome(parseAnswer(first[0]))).toBe("OK");
    const bytes = token.flash.bytesWrittenTotal;
    const image = flashImage(token);
    expect(sendRaw(token, frame)).toEqual(first);
    expect(token.flash.bytesWrittenTotal).toBe(bytes);
    expect(flashImage(token)).toEqual(image);
    press(token);
    expect(readCode(token.display)).toBe(oracleHotp(h, 7));
  });

  it("an authorised WIPE resent after its nonce is spent: answered from memory, not refused", () => {
    const { token } = provisioned();
    const nonce = ask(token, "NONCE").get("nonce")!;
    const frame = wireFrame(750, "WIPE", [["auth", authFor(MKEY, nonce, "WIPE", [])]]);
    const first = sendRaw(token, frame);
    expect(outcome(parseAnswer(first[0]))).toBe("OK");
    const bytes = token.flash.bytesWrittenTotal;
    expect(sendRaw(token, frame)).toEqual(first);
    expect(token.flash.bytesWrittenTotal).toBe(bytes);
  });
});

describe("authorisation", () => {
  it("WIPE: auth_required without auth, auth_failed with a wrong one (nonce spent), OK with the right one", () => {
    const { token } = provisioned();
    const image = flashImage(token);
    const noAuth = ask(token, "WIPE");
    expect(outcome(noAuth)).toBe("auth_required");

    const nonce = ask(token, "NONCE").get("nonce")!;
    const wrong = ask(token, "WIPE", [["auth", authFor(randomBytes(16), nonce, "WIPE", [])]]);
    expect(outcome(wrong)).toBe("auth_failed");
    // The right auth over the spent nonce fails too.
    expect(outcome(ask(token, "WIPE", [["auth", authFor(MKEY, nonce, "WIPE", [])]]))).toBe("auth_failed");
    // No nonce outstanding at all.
    expect(outcome(ask(token, "WIPE", [["auth", authFor(MKEY, "0".repeat(32), "WIPE", [])]]))).toBe("auth_failed");
    expect(flashImage(token)).toEqual(image);
    expect(helloState(token)).toContainEqual(["state", "ready"]);

    // By hand: HMAC-SHA256(mkey, nonce + " WIPE ") (no fields: the text ends in a space).
    const fresh = ask(token, "NONCE").get("nonce")!;
    const auth = createHmac("sha256", MKEY).update(`${fresh} WIPE `).digest("hex");
    const answer = ask(token, "WIPE", [["auth", auth]]);
    expect(outcome(answer)).toBe("OK");
    expect(helloState(token)).toContainEqual(["state", "unprovisioned"]);
    expect(Object.keys(flashImage(token))).toEqual([]);
    press(token);
    expect(readCode(token.display)).toBeNull();
  });

  it("re-PROVISION: auth_required without auth; with auth computed by hand the new profiles are active", () => {
    const old = randomBytes(20);
    const { token } = provisioned([totpProfile(old, { label: "Old" })]);
    const fresh = secretFor(randomBytes(32));
    const mkey2 = Uint8Array.from(randomBytes(32));
    const fields = provisionFields("TS-2", mkey2, [
      { label: "New mail", kind: "totp", algorithm: "SHA256", digits: 8, period: 60, secret: fresh },
      totpProfile(randomBytes(20), { label: "Other" }),
    ]);
    expect(outcome(ask(token, "PROVISION", fields))).toBe("auth_required");

    const nonce = ask(token, "NONCE").get("nonce")!;
    // The text the HMAC covers, built by hand from the spec: "New mail" travels as New%20mail.
    const text = `${nonce} PROVISION ${wireFields(fields)}`;
    expect(text).toContain(" p1_label=New%20mail ");
    const auth = createHmac("sha256", MKEY).update(text, "latin1").digest("hex");
    const answer = ask(token, "PROVISION", [...fields, ["auth", auth]]);
    expect(outcome(answer)).toBe("OK");
    expect(answer.get("profiles")).toBe("2");
    const hello = helloState(token);
    expect(hello).toContainEqual(["serial", "TS-2"]);
    expect(hello).toContainEqual(["label1", "New mail"]);
    press(token);
    expect(readCode(token.display)).toBe(oracleTotp(fresh, token.rtc.trueUnixSeconds(), 8, 60, "SHA256"));
    // The old management key no longer authorises; the new one does.
    expect(outcome(askAuthorised(token, MKEY, "WIPE", []))).toBe("auth_failed");
    expect(outcome(askAuthorised(token, mkey2, "TIME_SET", [["time", String(nowOf(token) + 1000)]]))).toBe("OK");
  });

  it("a re-PROVISION without auth is refused even when a field is also bad (auth first, nothing echoed)", () => {
    const { token } = provisioned();
    const fields = provisionFields("TS-2", MKEY, [totpProfile(randomBytes(20))]).map(([k, v]): [string, string] => [k, k === "p1_digits" ? "5" : v]);
    const image = flashImage(token);
    expect(outcome(ask(token, "PROVISION", fields))).toBe("auth_required");
    expect(flashImage(token)).toEqual(image);
  });

  it("auth anywhere in the frame covers the other fields in order; a changed field breaks it", () => {
    const { token } = provisioned();
    const t = nowOf(token) + 5000;
    let nonce = ask(token, "NONCE").get("nonce")!;
    const good = ask(token, "TIME_SET", [["auth", authFor(MKEY, nonce, "TIME_SET", [["time", String(t)]])], ["time", String(t)]]);
    expect(outcome(good)).toBe("OK");
    nonce = ask(token, "NONCE").get("nonce")!;
    const tampered = ask(token, "TIME_SET", [["time", String(t + 1)], ["auth", authFor(MKEY, nonce, "TIME_SET", [["time", String(t)]])]]);
    expect(outcome(tampered)).toBe("auth_failed");
    expect(ask(token, "TIME").get("time")).toBe(String(t));
  });
});

describe("clock rules", () => {
  it("unprovisioned: any TIME_SET needs no auth", () => {
    const { token } = bootToken();
    for (const t of [START + 10 * 365 * 86400, START - 3600, START + 31]) {
      const answer = ask(token, "TIME_SET", [["time", String(t)]]);
      expect(outcome(answer)).toBe("OK");
      expect(answer.get("time")).toBe(String(t));
      expect(ask(token, "TIME").get("time")).toBe(String(t));
    }
  });

  it("provisioned, good clock: +30 OK, +31 and -31 need auth", () => {
    const { token } = provisioned();
    const t0 = nowOf(token);
    const ok = ask(token, "TIME_SET", [["time", String(t0 + 30)]]);
    expect([outcome(ok), ok.get("offset"), ok.get("time")]).toEqual(["OK", "30", String(t0 + 30)]);
    expect(outcome(ask(token, "TIME_SET", [["time", String(t0 + 61)]]))).toBe("auth_required");
    expect(outcome(ask(token, "TIME_SET", [["time", String(t0 - 1)]]))).toBe("auth_required");
    expect(ask(token, "TIME").get("time")).toBe(String(t0 + 30));
    const back = ask(token, "TIME_SET", [["time", String(t0)]]);
    expect([outcome(back), back.get("offset")]).toEqual(["OK", "-30"]);
  });

  it("small steps adding up beyond 90 s: the step that crosses the budget is refused", () => {
    const { token } = provisioned();
    const t0 = nowOf(token);
    const step = (to: number) => outcome(ask(token, "TIME_SET", [["time", String(to)]]));
    expect(step(t0 + 30)).toBe("OK");
    expect(step(t0 + 60)).toBe("OK");
    expect(step(t0 + 80)).toBe("OK");
    const bytes = token.flash.bytesWrittenTotal;
    expect(step(t0 + 91)).toBe("auth_required"); // 80 + 11 = 91
    expect(token.flash.bytesWrittenTotal).toBe(bytes);
    expect(ask(token, "TIME").get("time")).toBe(String(t0 + 80));
    expect(step(t0 + 90)).toBe("OK"); // exactly 90
    expect(step(t0 + 91)).toBe("auth_required");
    expect(probeDriftBudgetLeft(token)).toBe(0);
  });

  it("as the attacker: walking the clock back does not refill the budget (step sizes add up, not the net sum)", () => {
    const { token } = provisioned();
    const t0 = nowOf(token);
    const step = (to: number) => outcome(ask(token, "TIME_SET", [["time", String(to)]]));
    // Forward to read the next window's code on the display, then back to hide it: 60 s used.
    expect(step(t0 + 30)).toBe("OK");
    expect(step(t0)).toBe("OK");
    // Once more forward and back would need 60 s of the 30 left.
    expect(step(t0 + 30)).toBe("OK");
    expect(step(t0)).toBe("auth_required");
    expect(step(t0 + 31)).toBe("auth_required");
    expect(probeDriftBudgetLeft(token)).toBe(0);
  });

  it("as the attacker: rebooting does not refill the budget, and small steps do not each write flash", () => {
    const { token } = provisioned();
    const t0 = nowOf(token);
    const bytes = token.flash.bytesWrittenTotal;
    const writes = token.flash.writeCalls;
    // 90 steps of 1 s back and forth: three saves of the record at most (the budget is saved
    // in steps of 30 s), not 90.
    for (let i = 1; i <= 90; i++) expect(outcome(ask(token, "TIME_SET", [["time", String(i % 2 === 1 ? t0 + 1 : t0)]])), `step ${i}`).toBe("OK");
    expect(token.flash.writeCalls - writes).toBeLessThanOrEqual(3 + 90 / 1000);
    expect(token.flash.bytesWrittenTotal).toBeGreaterThan(bytes);
    expect(outcome(ask(token, "TIME_SET", [["time", String(t0 + 1)]]))).toBe("auth_required");
    token.powerOff();
    token.powerOn();
    expect(probeDriftBudgetLeft(token)).toBe(0);
  });

  it("a reboot rounds the budget used up to the 30 s saved, never down", () => {
    const { token } = provisioned();
    const t0 = nowOf(token);
    expect(outcome(ask(token, "TIME_SET", [["time", String(t0 + 10)]]))).toBe("OK");
    ask(token, "REBOOT");
    token.advance(1);
    expect(probeDriftBudgetLeft(token)).toBe(60);
  });

  it("an authorised large step works and resets the budget", async () => {
    const { token, client } = provisioned();
    const t0 = nowOf(token);
    for (const d of [30, 60, 90]) expect(outcome(ask(token, "TIME_SET", [["time", String(t0 + d)]]))).toBe("OK");
    expect(outcome(ask(token, "TIME_SET", [["time", String(t0 + 91)]]))).toBe("auth_required");
    const answer = await client.setTime(t0 + 86400, MKEY);
    expect(answer.verb).toBe("OK");
    expect(ask(token, "TIME").get("time")).toBe(String(t0 + 86400));
    expect(probeDriftBudgetLeft(token)).toBe(90);
  });

  it("the budget survives a reboot (it is in the record)", () => {
    const { token } = provisioned();
    const t0 = nowOf(token);
    expect(outcome(ask(token, "TIME_SET", [["time", String(t0 + 30)]]))).toBe("OK");
    expect(outcome(ask(token, "TIME_SET", [["time", String(t0 + 60)]]))).toBe("OK");
    token.powerOff();
    token.advance(5);
    token.powerOn();
    expect(probeDriftBudgetLeft(token)).toBe(30);
  });

  it("as the attacker: a provisioned token whose clock is lost takes no unauthorised TIME_SET (no codes for a time of one's choosing)", () => {
    const secret = randomBytes(20);
    const { token } = provisioned([totpProfile(secret)]);
    loseClock(token);
    const image = flashImage(token);
    const future = nowOf(token) + 30 * 86400;
    expect(outcome(ask(token, "TIME_SET", [["time", String(future)]]))).toBe("auth_required");
    expect(helloState(token)).toContainEqual(["state", "clock_lost"]);
    expect(flashImage(token)).toEqual(image);
    press(token);
    expect(readCode(token.display)).toBeNull();
    // An unprovisioned token's lost clock is free to set (a new DS3231 starts lost): nothing to harvest.
    const fresh = bootToken().token;
    loseClock(fresh);
    expect(outcome(ask(fresh, "TIME_SET", [["time", String(future)]]))).toBe("OK");
  });

  it("clock lost: an authorised TIME_SET works, reports clock=was_lost, and resets the budget", () => {
    const secret = randomBytes(20);
    const { token } = provisioned([totpProfile(secret)]);
    const t0 = nowOf(token);
    expect(outcome(ask(token, "TIME_SET", [["time", String(t0 + 30)]]))).toBe("OK");
    loseClock(token);
    const hello = helloState(token);
    expect(hello).toContainEqual(["state", "clock_lost"]);
    expect(hello).toContainEqual(["clock", "lost"]);
    const real = t0 + 7 * 86400;
    const answer = askAuthorised(token, MKEY, "TIME_SET", [["time", String(real)]]);
    expect(answer.frame.keys).toEqual(["time", "clock"]);
    expect([outcome(answer), answer.get("time"), answer.get("clock")]).toEqual(["OK", String(real), "was_lost"]);
    expect(helloState(token)).toContainEqual(["state", "ready"]);
    press(token);
    expect(readCode(token.display)).toBe(oracleTotp(secret, real));
    expect(probeDriftBudgetLeft(token)).toBe(90);
  });

  it("a time before the firmware's epoch, or not a whole number: bad_argument naming time", () => {
    const { token } = bootToken();
    for (const t of [String(FIRMWARE_EPOCH - 1), "0", "-5", "1.5", "01795348800", "", "17953488000"]) {
      const answer = ask(token, "TIME_SET", [["time", t]]);
      expect(outcome(answer), t).toBe("bad_argument");
      expect(answer.get("message")).toMatch(/time/);
    }
    expect(outcome(ask(token, "TIME_SET"))).toBe("bad_argument");
    expect(outcome(ask(token, "TIME_SET", [["time", String(FIRMWARE_EPOCH)]]))).toBe("OK");
  });

  it("a time the clock cannot hold (after 2105) is refused before anything is written", () => {
    const { token } = provisioned();
    const t0 = nowOf(token);
    expect(outcome(ask(token, "TIME_SET", [["time", String(t0 + 30)]]))).toBe("OK"); // budget 30
    loseClock(token); // a successful (authorised) set would reset the budget
    const image = flashImage(token);
    const bytes = token.flash.bytesWrittenTotal;
    const answer = ask(token, "TIME_SET", [["time", "4294967295"]]); // 2106-02-07
    expect(outcome(answer)).toBe("bad_argument");
    expect(answer.get("message")).toMatch(/time/);
    expect(token.flash.bytesWrittenTotal).toBe(bytes);
    expect(flashImage(token)).toEqual(image);
    expect(helloState(token)).toContainEqual(["state", "clock_lost"]);
    const last = Date.UTC(2105, 11, 31, 23, 59, 0) / 1000;
    expect(outcome(askAuthorised(token, MKEY, "TIME_SET", [["time", String(last)]]))).toBe("OK");
    expect(ask(token, "TIME").get("time")).toBe(String(last));
  });
});

describe("VERIFY", () => {
  const hmacHex = (alg: string, key: Uint8Array, text: string) => createHmac(alg, key).update(text, "latin1").digest("hex");

  it.each([true, false])("a MAC for SHA1 and SHA256 profiles and the management key, never a code (native crypto %s)", (nativeCrypto) => {
    const s1 = randomBytes(20);
    const s2 = randomBytes(32);
    const h = secretFor(randomBytes(20));
    const { token } = provisioned(
      [
        totpProfile(s1),
        totpProfile(s2, { algorithm: "SHA256", digits: 8, period: 60 }),
        { label: "H", kind: "hotp", algorithm: "SHA1", digits: 6, counter: 3, secret: h },
      ],
      { nativeCrypto },
    );
    token.advance(17);
    const nonce = randomBytes(16).toString("hex");
    const one = ask(token, "VERIFY", [["nonce", nonce]]);
    expect(one.frame.keys).toEqual(["mac", "time", "clock"]);
    expect(one.get("mac")).toBe(hmacHex("sha1", s1, "tokensmith-verify " + nonce));
    expect(one.get("time")).toBe(String(nowOf(token)));
    expect(one.get("clock")).toBe("ok");

    const long = randomBytes(32).toString("hex");
    const two = ask(token, "VERIFY", [["nonce", long], ["profile", "2"]]);
    expect(two.frame.keys).toEqual(["mac", "time", "clock"]);
    expect(two.get("mac")).toBe(hmacHex("sha256", s2, "tokensmith-verify " + long));

    const three = ask(token, "VERIFY", [["nonce", nonce], ["profile", "3"]]);
    expect(three.frame.keys).toEqual(["mac", "time", "clock"]);
    expect(three.get("mac")).toBe(hmacHex("sha1", h, "tokensmith-verify " + nonce));

    const key = ask(token, "VERIFY", [["nonce", nonce], ["profile", "0"]]);
    expect(key.frame.keys).toEqual(["mac", "time", "clock"]);
    expect(key.get("mac")).toBe(hmacHex("sha256", MKEY, "tokensmith-verify " + nonce));
    // VERIFY did not use up an HOTP code: the third profile's first press shows counter 3.
    longPress(token);
    longPress(token);
    press(token);
    expect(readCode(token.display)).toBe(oracleHotp(h, 3));

    for (const profile of ["4", "x", "01", "-1"]) {
      const bad = ask(token, "VERIFY", [["nonce", nonce], ["profile", profile]]);
      expect(outcome(bad)).toBe("bad_argument");
      expect(bad.get("message")).toMatch(/profile/);
    }
  });

  it("as the attacker on the UART: no answer to anything carries a code, now or for any time the clock can be walked to", () => {
    const secret = randomBytes(20);
    const { token } = provisioned([totpProfile(secret)]);
    const t0 = nowOf(token);
    // Every code the token could show within a day either side: none may appear on the wire.
    const codes = new Set<string>();
    for (let t = t0 - 86400; t <= t0 + 86400; t += 30) codes.add(oracleTotp(secret, t));
    const lines: string[] = [];
    const nonce = "00112233445566778899aabbccddeeff";
    // VERIFY at every clock the unauthorised budget reaches, forward and back.
    for (const step of [0, 30, 30, 30, -30, -30]) {
      lines.push(ask(token, "TIME_SET", [["time", String(nowOf(token) + step)]]).line);
      for (const verb of ["HELLO", "TIME"]) lines.push(ask(token, verb).line);
      lines.push(ask(token, "VERIFY", [["nonce", nonce]]).line);
    }
    loseClock(token);
    lines.push(ask(token, "TIME_SET", [["time", String(t0 + 600)]]).line);
    lines.push(ask(token, "VERIFY", [["nonce", nonce]]).line);
    for (const line of lines) {
      expect(line).not.toMatch(/ code=\d/);
      // No field's value is a code the token could show (times and MACs are longer).
      for (const field of line.split(" ")) expect(codes.has(field.split("=")[1] ?? ""), field).toBe(false);
    }
  });

  it("VERIFY says clock=lost when it is, and still proves the seed", () => {
    const secret = randomBytes(20);
    const { token } = provisioned([totpProfile(secret)]);
    const nonce = "00112233445566778899aabbccddeeff";
    loseClock(token);
    const lost = ask(token, "VERIFY", [["nonce", nonce]]);
    expect(lost.get("clock")).toBe("lost");
    expect(lost.get("mac")).toBe(hmacHex("sha1", secret, "tokensmith-verify " + nonce));
  });

  it.each([
    ["odd length", "0011223344556677889"],
    ["uppercase", "00112233445566778899AABBCCDDEEFF"],
    ["too short", "00112233445566"],
    ["too long", "ab".repeat(33)],
    ["not hex", "00112233445566778899aabbccddeefg"],
    ["empty", ""],
  ])("bad nonce (%s): bad_argument naming nonce", (_, nonce) => {
    const { token } = provisioned();
    const answer = ask(token, "VERIFY", [["nonce", nonce]]);
    expect(outcome(answer)).toBe("bad_argument");
    expect(answer.get("message")).toMatch(/nonce/);
    expect(answer.get("mac")).toBeNull();
  });

  it("missing nonce: bad_argument; unprovisioned: not_provisioned", () => {
    expect(outcome(ask(provisioned().token, "VERIFY"))).toBe("bad_argument");
    expect(outcome(ask(bootToken().token, "VERIFY", [["nonce", "00112233445566778899aabbccddeeff"]]))).toBe("not_provisioned");
  });

  it("no answer to any command carries the secret (checked here, and by the end-of-file wire scan)", () => {
    const secret = randomBytes(20);
    const { token } = provisioned([totpProfile(secret)]);
    const hex = Buffer.from(secret).toString("hex");
    const answers = [
      ask(token, "HELLO"),
      ask(token, "TIME"),
      ask(token, "NONCE"),
      ask(token, "VERIFY", [["nonce", "00".repeat(16)]]),
      ask(token, "VERIFY", [["nonce", hex]]), // echoing a host value the token knows: still only a MAC
      ask(token, "PROVISION", provisionFields("X", MKEY, [totpProfile(secret)])),
      ask(token, "WIPE"),
      ask(token, "MAINTENANCE"),
    ];
    for (const a of answers) expect(a.line.toLowerCase()).not.toContain(hex.slice(0, 16));
  });
});

describe("PROVISION validation", () => {
  const secretHex = () => Buffer.from(secretFor(randomBytes(20))).toString("hex");
  type Edit = (fields: Array<[string, string]>) => Array<[string, string]>;
  const set = (key: string, value: string): Edit => (f) => f.map(([k, v]) => [k, k === key ? value : v]);
  const drop = (key: string): Edit => (f) => f.filter(([k]) => k !== key);
  const cases: Array<[string, Edit, string]> = [
    ["serial with a comma", set("serial", "TS,1"), "serial"],
    ["serial with a space", set("serial", "TS 1"), "serial"],
    ["serial of 33 characters", set("serial", "S".repeat(33)), "serial"],
    ["empty serial", set("serial", ""), "serial"],
    ["missing serial", drop("serial"), "serial"],
    ["mkey too short", set("mkey", "ab".repeat(15)), "mkey"],
    ["mkey too long", set("mkey", "ab".repeat(33)), "mkey"],
    ["mkey in uppercase", set("mkey", "AB".repeat(16)), "mkey"],
    ["count 0", set("count", "0"), "count"],
    ["count 9", set("count", "9"), "count"],
    ["count 2 with one profile", set("count", "2"), "p2_"],
    ["missing p1_secret", drop("p1_secret"), "p1_secret"],
    ["missing p1_label", drop("p1_label"), "p1_label"],
    ["missing p1_period", drop("p1_period"), "p1_period"],
    ["p1_digits 5", set("p1_digits", "5"), "p1_digits"],
    ["p1_digits 9", set("p1_digits", "9"), "p1_digits"],
    ["p1_period 0", set("p1_period", "0"), "p1_period"],
    ["p1_period 65536", set("p1_period", "65536"), "p1_period"],
    ["p1_kind x", set("p1_kind", "x"), "p1_kind"],
    ["p1_alg MD5", set("p1_alg", "MD5"), "p1_alg"],
    ["secret of odd length", (f) => set("p1_secret", f.find(([k]) => k === "p1_secret")![1].slice(0, -1))(f), "p1_secret"],
    ["secret in uppercase", (f) => set("p1_secret", f.find(([k]) => k === "p1_secret")![1].toUpperCase() + "AB")(f), "p1_secret"],
    ["secret of 65 bytes", set("p1_secret", "5a".repeat(65)), "p1_secret"],
    ["label of 17 characters", set("p1_label", "L".repeat(17)), "p1_label"],
  ];

  it.each(cases)("%s: bad_argument naming the field, no secret echoed, nothing changed", (_, edit, field) => {
    const { token } = bootToken();
    const secret = secretHex();
    const base = provisionFields("TS-1", MKEY, [{ label: "A", kind: "totp", algorithm: "SHA1", digits: 6, period: 30, secret: Buffer.from(secret, "hex") }]);
    const fields = edit(base);
    const sentSecret = fields.find(([k]) => k === "p1_secret")?.[1] ?? secret;
    const before = helloState(token);
    const answer = ask(token, "PROVISION", fields);
    expect(outcome(answer)).toBe("bad_argument");
    const message = answer.get("message")!;
    expect(message).toContain(field);
    expect(answer.line.toLowerCase()).not.toContain(sentSecret.toLowerCase().slice(0, 16));
    expect(answer.line.toLowerCase()).not.toContain(secret.slice(0, 16));
    expect(helloState(token)).toEqual(before);
    expect(before).toContainEqual(["state", "unprovisioned"]);
    expect(Object.keys(flashImage(token))).toEqual([]);
    expect(token.flash.bytesWrittenTotal).toBe(0);
    // The unedited frame works: the case failed for its one bad field.
    expect(outcome(ask(token, "PROVISION", base))).toBe("OK");
  });

  it("an authorised re-PROVISION with a bad field changes nothing", () => {
    const secret = randomBytes(20);
    const { token } = provisioned([totpProfile(secret, { label: "Keep" })]);
    const image = flashImage(token);
    const before = helloState(token);
    const fields = set("p1_digits", "5")(provisionFields("TS-2", MKEY, [totpProfile(randomBytes(20))]));
    expect(outcome(askAuthorised(token, MKEY, "PROVISION", fields))).toBe("bad_argument");
    expect(flashImage(token)).toEqual(image);
    expect(helloState(token)).toEqual(before);
    press(token);
    expect(readCode(token.display)).toBe(oracleTotp(secret, nowOf(token)));
  });
});

describe("MAINTENANCE and REBOOT", () => {
  it("MAINTENANCE without the button held: not_allowed, the protocol stays", () => {
    const { token } = bootToken();
    expect(outcome(ask(token, "MAINTENANCE"))).toBe("not_allowed");
    token.advanceMs(200);
    expect(token.replOnUart()).toBe(false);
    expect(outcome(ask(token, "HELLO"))).toBe("OK");
  });

  it("MAINTENANCE with the button held: OK, then the console is the REPL: frames get no protocol answer", () => {
    const { token } = provisioned();
    token.button.press(3000);
    token.advanceMs(100); // debounced: the button is down
    const answer = ask(token, "MAINTENANCE");
    expect(outcome(answer)).toBe("OK");
    token.advanceMs(100);
    expect(token.replOnUart()).toBe(true);
    const before = token.uartLog.length;
    token.sendToToken(wireFrame(5, "HELLO"));
    token.advance(4);
    token.sendToToken(wireFrame(6, "HELLO"));
    const replies = token.uartLog.slice(before).join("");
    // The REPL, like Espruino's, echoes the line and fails to parse it as JavaScript...
    expect(replies).toContain("Uncaught SyntaxError");
    // ...and nothing answers as the protocol would.
    expect(replies.split(/\r?\n/).some((line) => /^<\d/.test(line))).toBe(false);
    expect(token.uncaught).toEqual([]);
  });

  it("REBOOT: OK, then the token boots again and answers HELLO", () => {
    const secret = randomBytes(20);
    const { token } = provisioned([totpProfile(secret)]);
    const boots = token.bootCount;
    expect(outcome(ask(token, "REBOOT"))).toBe("OK");
    expect(token.bootCount).toBe(boots);
    token.advanceMs(100);
    expect(token.bootCount).toBe(boots + 1);
    expect(token.state).toBe("running");
    expect(helloState(token)).toContainEqual(["state", "ready"]);
    press(token);
    expect(readCode(token.display)).toBe(oracleTotp(secret, nowOf(token)));
  });
});
