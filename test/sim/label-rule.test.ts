/**
 * One rule for labels (shared/label.ts): the host refuses before a token is touched exactly
 * the labels the token refuses, and every label both accept is carried by every import format
 * and drawn by the display without a box (an undrawable character).
 */
import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { MKEY, ask, bootToken, outcome, provisionFields, totpProfile } from "./support.js";
import { checkLabel } from "../../host/provision/job.js";
import { entraCsv, otpauthUri, pskcPlain } from "../../host/export/index.js";
import { makeToken } from "../export/support.js";

const labels: Array<[string, boolean]> = [
  ["Mail", true],
  ["", true],
  ["Help desk #2", true],
  ["a-b.c/d!e?f'g(h#", true],
  ["Mail: Ann", false], // otpauth:// reads ':' as the end of the issuer
  [")+,0123456789xyZ", true],
  ["X".repeat(16), true],
  ["X".repeat(17), false],
  ["Tab\there", false],
  ["Line\nbreak", false],
  ["Zürich", false],
  ["100%", false],
  ["a&b", false],
  ['say "hi"', false],
  ["<script>", false],
  ["emoji 🔑", false],
];

describe("one rule for labels", () => {
  it.each(labels)("%j: accepted by the token and by the host is %s", (label, valid) => {
    const { token } = bootToken();
    const answer = ask(token, "PROVISION", provisionFields("TS-000001", MKEY, [totpProfile(randomBytes(20), { label })]));
    const firmware = outcome(answer) === "OK";
    let host = true;
    try {
      checkLabel(label);
    } catch {
      host = false;
    }
    expect({ firmware, host }).toEqual({ firmware: valid, host: valid });
    if (!valid) return;
    expect(answer.get("profiles")).toBe("1");
    // Every import format takes it as it is.
    const exportToken = makeToken({ label });
    expect(() => pskcPlain([exportToken])).not.toThrow();
    expect(() => entraCsv([exportToken], { upnFor: () => "user@example.com" })).not.toThrow();
    expect(() => otpauthUri(exportToken)).not.toThrow();
    expect(ask(token, "HELLO").get("label1")).toBe(label);
  });
});
