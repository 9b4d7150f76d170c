/**
 * otpauth:// URIs read back with the WHATWG URL class (secret decoded by the test's Base32
 * decoder, codes by otplib), and the terminal QR code scanned back with jsQR.
 */
import { describe, expect, it } from "vitest";
import jsQRModule from "jsqr";
import { otpauthPhoneProblems, otpauthQrForTerminal, otpauthUri, percentEncode } from "../../host/export/otpauth.js";
import { ExportError } from "../../host/export/types.js";
import { TIMES, decodeBase32, makeToken, oracleCode, originalCodes } from "./support.js";

// jsqr is CommonJS: its module.exports is the function, which also carries itself as `default`
// (what its types describe under NodeNext).
const jsQR = jsQRModule.default;

function readUri(uri: string) {
  const url = new URL(uri);
  expect(url.protocol).toBe("otpauth:");
  const label = decodeURIComponent(url.pathname.slice(1));
  const colon = label.indexOf(":");
  const q = url.searchParams;
  const kind = url.host as "totp" | "hotp";
  return {
    kind,
    labelIssuer: colon >= 0 ? label.slice(0, colon) : undefined,
    account: colon >= 0 ? label.slice(colon + 1) : label,
    secretText: q.get("secret")!,
    secret: decodeBase32(q.get("secret")!),
    issuer: q.get("issuer") ?? undefined,
    algorithm: (q.get("algorithm") ?? "SHA1") as "SHA1" | "SHA256",
    digits: Number(q.get("digits") ?? 6),
    period: Number(q.get("period") ?? 30),
    counter: Number(q.get("counter") ?? 0),
    keys: [...q.keys()],
  };
}

/** Terminal half-block drawing back to an RGBA image (4 px per module) for jsQR. */
function scanTerminalQr(drawing: string, lightBackground = false): string | undefined {
  const lines = drawing.replace(/\n$/, "").split("\n");
  const width = Math.max(...lines.map((l) => [...l].length));
  const rows: boolean[][] = []; // true = ink
  for (const line of lines) {
    const chars = [...line];
    const top: boolean[] = [];
    const bottom: boolean[] = [];
    for (let c = 0; c < width; c++) {
      const ch = chars[c] ?? " ";
      top.push(ch === "\u2588" || ch === "\u2580");
      bottom.push(ch === "\u2588" || ch === "\u2584");
    }
    rows.push(top, bottom);
  }
  const scale = 4;
  const margin = 8; // terminal background around the drawing
  const w = width * scale + 2 * margin;
  const h = rows.length * scale + 2 * margin;
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const r = Math.floor((y - margin) / scale);
      const c = Math.floor((x - margin) / scale);
      const ink = y >= margin && x >= margin && r < rows.length && c < width ? rows[r][c] : false;
      // Dark terminal: ink is the light foreground. Light terminal: ink is dark.
      const light = lightBackground ? !ink : ink;
      const v = light ? 255 : 0;
      data.set([v, v, v, 255], (y * w + x) * 4);
    }
  }
  return jsQR(data, w, h, { inversionAttempts: "dontInvert" })?.data;
}

describe("otpauth:// URI", () => {
  it("matches the documented shape and reads back to the same secret and codes", () => {
    const token = makeToken({ issuer: "Acme", account: "alice@example.com" });
    const uri = otpauthUri(token);
    expect(uri).toMatch(/^otpauth:\/\/totp\/Acme:alice%40example\.com\?secret=[A-Z2-7]+&issuer=Acme&algorithm=SHA1&digits=6&period=30$/);
    const read = readUri(uri);
    expect(read.secretText).not.toContain("=");
    expect(Buffer.from(read.secret).equals(Buffer.from(token.secret))).toBe(true);
    expect(TIMES.map((t) => oracleCode(read.secretText, read, t))).toEqual(originalCodes(token));
  });

  it("percent-encodes label and issuer (RFC 3986: spaces as %20, not +) and they decode back", () => {
    const issuer = "Acme & Co (EU) #1 ünï+*'!";
    const account = "Bob Smith/ops?x=1";
    const token = makeToken({ issuer, account, algorithm: "SHA256", digits: 8, period: 60 });
    const uri = otpauthUri(token);
    expect(uri).not.toMatch(/[ ()'!*+#]/); // all percent-encoded
    const read = readUri(uri);
    expect(read).toMatchObject({ labelIssuer: issuer, account, issuer, algorithm: "SHA256", digits: 8, period: 60 });
    expect(TIMES.map((t) => oracleCode(read.secret, read, t))).toEqual(originalCodes(token));
    expect(percentEncode("a b~c-d._e!*'()")).toBe("a%20b~c-d._e%21%2A%27%28%29");
  });

  it("writes counter= for HOTP and no period", () => {
    const token = makeToken({ kind: "hotp", counter: 17 });
    const read = readUri(otpauthUri(token));
    expect(read.kind).toBe("hotp");
    expect(read.keys).toEqual(["secret", "algorithm", "digits", "counter"]);
    expect(read.counter).toBe(17);
    expect(read.account).toBe(token.label);
    expect([oracleCode(read.secret, read, 0)]).toEqual([originalCodes(token)[0]]);
  });

  it("refuses ':' in issuer or account, naming the token", () => {
    expect(() => otpauthUri(makeToken({ serial: "Q-1", issuer: "Acme:EU" }))).toThrow(/"Q-1".*issuer "Acme:EU" contains ':'/);
    expect(() => otpauthUri(makeToken({ account: "a:b" }))).toThrow(ExportError);
  });

  it("refuses digits other than 6 and 8: the key URI format has no others, and apps show 6 for a 7", () => {
    expect(() => otpauthUri(makeToken({ serial: "D7-1", digits: 7 }))).toThrow(/"D7-1".*shows 7 digits, but authenticator apps take 6 or 8/s);
    expect(readUri(otpauthUri(makeToken({ digits: 8 }))).digits).toBe(8);
  });

  it("says when a phone app may compute different codes", () => {
    expect(otpauthPhoneProblems(makeToken())).toEqual([]);
    expect(otpauthPhoneProblems(makeToken({ algorithm: "SHA256", digits: 8, period: 60 }))).toHaveLength(3);
  });
});

describe("terminal QR code", () => {
  const uri = otpauthUri(makeToken({ issuer: "Acme Corporation", account: "helpdesk-shared-account@example.com", secret: new Uint8Array(32).fill(77) }));

  it("fits in 80 columns and scans back to the URI (dark and light terminals)", () => {
    const drawing = otpauthQrForTerminal(uri);
    for (const line of drawing.trimEnd().split("\n")) expect([...line].length).toBeLessThanOrEqual(80);
    expect(scanTerminalQr(drawing)).toBe(uri);
    expect(scanTerminalQr(otpauthQrForTerminal(uri, { lightBackground: true }), true)).toBe(uri);
  });

  it("refuses a URI too long for the width, saying what to do", () => {
    expect(() => otpauthQrForTerminal(uri, { maxColumns: 30 })).toThrow(/too long for a QR code 30 columns wide.*shorten/);
  });
});
