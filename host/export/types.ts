/**
 * What every export format takes: one record per token, secret included. The formatters in
 * this folder are pure functions from these records to text (ARCHITECTURE.md, "Format seam");
 * only write-file.ts touches the disk.
 */
import { ExportError } from "../errors.js";
export { ExportError };

export interface ExportToken {
  /** Printed on the token; the key every MFA server imports it under. */
  serial: string;
  /** Human label (shown by phone apps as the account name when `account` is absent). */
  label: string;
  kind: "totp" | "hotp";
  algorithm: "SHA1" | "SHA256";
  digits: 6 | 7 | 8;
  /** TOTP time step in seconds (ignored for HOTP). */
  period: number;
  /** HOTP moving factor (ignored for TOTP). */
  counter: number;
  /** The raw seed. */
  secret: Uint8Array;
  issuer?: string;
  account?: string;
  /** Entra ID user principal name (user@domain). */
  upn?: string;
  manufacturer?: string;
  model?: string;
}

