/**
 * Codes from a seed on the host, like oathtool: a window of TOTP codes around a time, or a run
 * of HOTP counters. For administrators checking a seed they hold; never sent to a token.
 */
import { InputError, hotp, totp, type Algorithm } from "../core/otp.js";

export interface CodeRequest {
  secretHex: string;
  algorithm: Algorithm;
  digits: number;
  kind: "totp" | "hotp";
  /** TOTP: Unix seconds (UTC). */
  time: number;
  period: number;
  /** HOTP: the first counter. */
  counter: number;
  /** How many further windows (TOTP) or counters (HOTP) to show after the first. */
  window: number;
}

export interface ComputedCode {
  /** TOTP: the start of the window (Unix seconds); HOTP: the counter. */
  at: number;
  code: string;
}

/** The largest --window accepted: enough to scan for a drifted token, not a code dump. */
export const MAX_WINDOW = 100;

export function computeCodes(request: CodeRequest): ComputedCode[] {
  if (!Number.isInteger(request.window) || request.window < 0 || request.window > MAX_WINDOW) {
    throw new InputError(`--window must be a whole number from 0 to ${MAX_WINDOW}`);
  }
  const codes: ComputedCode[] = [];
  for (let i = 0; i <= request.window; i++) {
    if (request.kind === "hotp") {
      const counter = request.counter + i;
      codes.push({ at: counter, code: hotp(request.secretHex, counter, request.digits, request.algorithm) });
    } else {
      const start = request.time - (request.time % request.period) + i * request.period;
      const time = i === 0 ? request.time : start;
      codes.push({ at: start, code: totp(request.secretHex, time, request.period, request.digits, request.algorithm) });
    }
  }
  return codes;
}

/** "1795348800", "2026-11-22T12:00:00Z" or "now" to Unix seconds; only UTC is accepted. */
export function parseTime(text: string, now: () => number): number {
  if (text === "now") return now();
  if (/^\d+$/.test(text)) return Number(text);
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?Z$/.exec(text);
  if (iso) {
    const [, y, mo, d, h = "0", mi = "0", s = "0"] = iso;
    const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
    if (!Number.isNaN(ms)) return Math.floor(ms / 1000);
  }
  throw new InputError(`time "${text}" is not Unix seconds, "now", or UTC ISO 8601 ending in Z (2026-11-22T12:00:00Z): tokensmith uses UTC only`);
}
