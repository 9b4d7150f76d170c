/**
 * A known answer for the wire protocol: a conversation with today's firmware, written out as
 * the frames PROTOCOL.md specifies, in full. What the spec leaves to the token (a nonce, a MAC,
 * a message's wording) is a {placeholder}; the MAC is then checked with node:crypto, and every
 * answer's CRC with zlib. A change to a verb, a field, its order or its encoding fails here:
 * a protocol change needs a new version and a new transcript beside this one.
 */
import { describe, expect, it } from "vitest";
import { createHmac } from "node:crypto";
import zlib from "node:zlib";
import { SimulatedToken } from "../../hardware/sim/token.js";

const crc = (text: string) => (zlib.crc32(Buffer.from(text, "latin1")) >>> 0).toString(16).padStart(8, "0");
/** A request as the spec writes it: the text up to and including the space before '*'. */
const request = (covered: string) => `${covered}*${crc(covered)}\n`;

const SEED_HEX = "3132333435363738393031323334353637383930"; // RFC 6238's SHA-1 seed
const MKEY_HEX = "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf";
const NONCE = "00112233445566778899aabbccddeeff";

/** [request (covered text), expected answer (covered text, with {placeholders})] */
const transcript: Array<[string, string]> = [
  [">1 HELLO ", "<1 OK model=tokensmith-esp32 firmware=0.1.0 protocol=2 serial= id=246f28a1b2c3 state=unprovisioned profiles=0 time=1795348807 clock=ok hash=native "],
  [">2 TIME ", "<2 OK time=1795348807 clock=ok "],
  [">3 TIME_SET time=1795348900 ", "<3 OK time=1795348900 offset=93 "],
  [
    `>4 PROVISION serial=TS-000001 mkey=${MKEY_HEX} count=1 p1_label=Mail%20Desk p1_kind=totp p1_alg=SHA1 p1_digits=6 p1_period=30 p1_secret=${SEED_HEX} `,
    "<4 OK profiles=1 ",
  ],
  [">5 HELLO ", "<5 OK model=tokensmith-esp32 firmware=0.1.0 protocol=2 serial=TS-000001 id=246f28a1b2c3 state=ready profiles=1 label1=Mail%20Desk time=1795348900 clock=ok hash=native "],
  [`>6 VERIFY nonce=${NONCE} `, "<6 OK mac={mac1} time=1795348900 clock=ok "],
  [`>7 VERIFY nonce=${NONCE} profile=0 `, "<7 OK mac={mac0} time=1795348900 clock=ok "],
  [">8 NONCE ", "<8 OK nonce={nonce} "],
  [">9 WIPE ", "<9 ERR code=auth_required message={message} "],
  [">10 TIME_SET time=1795352500 ", "<10 ERR code=auth_required message={message} "],
  [">11 BOGUS ", "<11 ERR code=unknown_command message={message} "],
  [">12 MAINTENANCE ", "<12 ERR code=not_allowed message={message} "],
];

const PLACEHOLDERS: Record<string, string> = {
  mac1: "[0-9a-f]{40}",
  mac0: "[0-9a-f]{64}",
  nonce: "[0-9a-f]{32}",
  message: "[A-Za-z0-9._:/,%-]+",
};

function pattern(expected: string): RegExp {
  const parts = expected.split(/\{(\w+)\}/);
  const source = parts.map((part, i) => (i % 2 === 1 ? `(?<${part}>${PLACEHOLDERS[part]})` : part.replace(/[.*+?^$()|[\]\\]/g, "\\$&"))).join("");
  return new RegExp(`^${source}\\*(?<crc>[0-9a-f]{8})$`);
}

describe("the wire protocol, version 2: a transcript", () => {
  it("today's firmware answers each request exactly as written", () => {
    const token = new SimulatedToken({ rtcUnixSeconds: 1795348807, deviceId: "246f28a1b2c3" });
    token.powerOn();
    const values: Record<string, string> = {};
    for (const [covered, expected] of transcript) {
      const before = token.uartLog.length;
      token.sendToToken(request(covered));
      const out = token.uartLog.slice(before).join("");
      expect(out.endsWith("\n"), covered).toBe(true);
      const line = out.slice(0, -1);
      const match = pattern(expected).exec(line);
      expect(match, `${covered}\n  got      ${line}\n  expected ${expected}*<crc>`).not.toBeNull();
      expect(match!.groups!.crc, `${line}: its CRC`).toBe(crc(line.slice(0, line.lastIndexOf("*"))));
      Object.assign(values, match!.groups);
    }
    const seed = Buffer.from(SEED_HEX, "hex");
    expect(values.mac1).toBe(createHmac("sha1", seed).update(`tokensmith-verify ${NONCE}`).digest("hex"));
    expect(values.mac0).toBe(createHmac("sha256", Buffer.from(MKEY_HEX, "hex")).update(`tokensmith-verify ${NONCE}`).digest("hex"));
  });

  it("an undecodable line is answered with seq 0", () => {
    const token = new SimulatedToken({ deviceId: "246f28a1b2c3" });
    token.powerOn();
    token.sendToToken(">1 HELLO *00000000\n");
    const line = token.uartLog.join("").slice(0, -1);
    expect(line).toMatch(pattern("<0 ERR code=bad_frame message={message} "));
  });
});
