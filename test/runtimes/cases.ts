/**
 * Cases for the cross-runtime harness: one tab-separated line each, strings hex-encoded so any
 * byte (spaces, tabs, '|') survives; numbers in decimal. The drivers (driver.js, driver.lua)
 * run each line against a core and answer "ok<TAB>value" or "err<TAB>message".
 */
const textHex = (text: string) => Buffer.from(text, "latin1").toString("hex");

export type Case = string;

export const cases = {
  hotp: (secretHex: string, counter: number | string, digits: number, algorithm: string): Case =>
    ["hotp", textHex(secretHex), String(counter), String(digits), algorithm].join("\t"),
  totp: (secretHex: string, time: number | string, period: number, digits: number, algorithm: string, t0?: number): Case =>
    ["totp", textHex(secretHex), String(time), String(period), String(digits), algorithm, ...(t0 === undefined ? [] : [String(t0)])].join("\t"),
  digest: (algorithm: string, messageHex: string): Case => ["digest", algorithm, textHex(messageHex)].join("\t"),
  hmac: (algorithm: string, keyHex: string, messageHex: string): Case => ["hmac", algorithm, textHex(keyHex), textHex(messageHex)].join("\t"),
  hexToBytes: (text: string): Case => ["hex2bytes", textHex(text)].join("\t"),
  base32ToBytes: (text: string): Case => ["b32decode", textHex(text)].join("\t"),
  bytesToBase32: (hex: string, pad: boolean): Case => ["b32encode", textHex(hex), pad ? "1" : "0"].join("\t"),
  crc32: (hex: string): Case => ["crc32", textHex(hex)].join("\t"),
};

export type Outcome = { ok: true; value: string } | { ok: false; error: string };

export function parseResults(text: string, expectedCount: number): Outcome[] {
  const lines = text.split("\n").filter((line) => line !== "");
  if (lines.length !== expectedCount) {
    throw new Error(`driver answered ${lines.length} lines for ${expectedCount} cases:\n${text.slice(0, 2000)}`);
  }
  return lines.map((line) => {
    const tab = line.indexOf("\t");
    const status = line.slice(0, tab);
    const rest = line.slice(tab + 1);
    return status === "ok" ? { ok: true, value: rest } : { ok: false, error: rest };
  });
}
