/**
 * As the attacker holding the cable, with a part unplugged or the bus held down (issue:
 * Security v2, finding 3): a boot that meets an I2C part that does not answer must still end
 * with the protocol in charge of the UART, the REPL closed and no secret readable, and must say
 * what is wrong rather than show a code it cannot trust.
 */
import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { MKEY, ask, bootToken, findSecret, oracleTotp, outcome, press, provisionFields, sendRaw, totpProfile } from "./support.js";
import { readCode } from "./display-reader.js";
import { drawMessageScreen } from "../../firmware/ui/screens.js";
import type { SimulatedToken } from "../../hardware/sim/token.js";

const RTC = 0x68;
const DISPLAY = 0x3c;

/** What an attacker types at where Espruino's REPL would be: Ctrl-C, then read the record. */
const REPL_ATTACK = '\x03\x03\x10print(require("Storage").read("tsrec.a"))\n\x10print(JSON.stringify(require("Storage").list()))\n';

function provisionedThenFaulty(missing: number[]) {
  const secret = randomBytes(20);
  const { token } = bootToken();
  expect(outcome(ask(token, "PROVISION", provisionFields("TS-F", MKEY, [totpProfile(secret)])))).toBe("OK");
  token.powerOff();
  for (const address of missing) token.bus.detach(address);
  token.powerOn();
  return { token, secret };
}

function attackRepl(token: SimulatedToken, secret: Uint8Array): string {
  const out = sendRaw(token, REPL_ATTACK).join("\n");
  expect(token.replOnUart(), "the REPL is not on the UART").toBe(false);
  expect(findSecret(out, secret), "no secret on the UART").toBeNull();
  expect(out).not.toContain("tsrec");
  expect(token.uncaught, "the boot did not throw").toEqual([]);
  return out;
}

describe("as the attacker: boot with a part that does not answer", () => {
  it("RTC missing: the protocol answers, HELLO says fault=rtc and clock lost, the screen says so, no digits", () => {
    const { token, secret } = provisionedThenFaulty([RTC]);
    const out = attackRepl(token, secret);
    for (const line of out.split("\n")) expect(line).toMatch(/^<0 ERR code=bad_frame /);
    const hello = ask(token, "HELLO");
    expect([hello.get("state"), hello.get("clock"), hello.get("fault")]).toEqual(["clock_lost", "lost", "rtc"]);
    press(token);
    expect(readCode(token.display)).toBeNull();
    const expected: number[] = new Array(1024).fill(0);
    drawMessageScreen(expected, "CLOCK FAULT", "RTC NOT", "ANSWERING");
    expect(Array.from(token.display.gddram())).toEqual(expected);
    // Without its RTC the token cannot be given a time, not even an authorised one.
    expect(outcome(ask(token, "TIME_SET", [["time", String(1795348800 + 60)]]))).toBe("auth_required");
  });

  it("display missing: the protocol answers with fault=display, and codes are still right (VERIFY proves the seed)", () => {
    const { token, secret } = provisionedThenFaulty([DISPLAY]);
    attackRepl(token, secret);
    const hello = ask(token, "HELLO");
    expect([hello.get("state"), hello.get("fault")]).toEqual(["ready", "display"]);
    press(token);
    expect(token.uncaught).toEqual([]);
    expect(ask(token, "VERIFY", [["nonce", "00".repeat(16)]]).get("mac")).toMatch(/^[0-9a-f]{40}$/);
    // Plugged back in, the next boot is whole again.
    token.powerOff();
    token.bus.attach(token.display);
    token.powerOn();
    press(token);
    expect(readCode(token.display)).toBe(oracleTotp(secret, Math.floor(token.clock.nowMs() / 1000)));
    expect(ask(token, "HELLO").get("fault")).toBeNull();
  });

  it("the bus held down (neither part answers): the protocol still answers, the REPL stays closed", () => {
    const { token, secret } = provisionedThenFaulty([RTC, DISPLAY]);
    attackRepl(token, secret);
    const hello = ask(token, "HELLO");
    expect(hello.get("state")).toBe("clock_lost");
    expect(["rtc", "display"]).toContain(hello.get("fault"));
  });
});
