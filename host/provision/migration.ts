/**
 * Google Authenticator's "Transfer accounts" QR code: `otpauth-migration://offline?data=BASE64`,
 * where the data is a protocol buffer (Google's MigrationPayload):
 *
 *   MigrationPayload { repeated OtpParameters otp_parameters = 1; int32 version = 2;
 *                      int32 batch_size = 3; int32 batch_index = 4; int32 batch_id = 5; }
 *   OtpParameters    { bytes secret = 1; string name = 2; string issuer = 3;
 *                      Algorithm algorithm = 4;  // 0 unspecified, 1 SHA1, 2 SHA256, 3 SHA512, 4 MD5
 *                      DigitCount digits = 5;    // 0 unspecified, 1 six, 2 eight
 *                      OtpType type = 6;         // 0 unspecified, 1 HOTP, 2 TOTP
 *                      int64 counter = 7; }
 *
 * Read with a small wire-format reader (varints and length-delimited fields are all it uses);
 * unknown fields are skipped, as protocol buffers require. Each account becomes the same
 * parameters an otpauth:// URI gives. Errors never repeat the payload (it holds the seeds).
 */
import { InputError } from "../errors.js";
import type { OtpauthParameters } from "./seeds.js";

export interface MigratedAccount {
  secret: Uint8Array;
  parameters: OtpauthParameters;
  /** The account name (often user@domain), for a label. */
  name: string;
}

const BAD = "the Google Authenticator transfer code is damaged or not one (its data is not the MigrationPayload protocol buffer)";

class Reader {
  at = 0;
  constructor(private readonly bytes: Uint8Array) {}
  get done(): boolean {
    return this.at >= this.bytes.length;
  }
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.at >= this.bytes.length) throw new InputError(BAD);
      const b = this.bytes[this.at++];
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (!Number.isSafeInteger(value)) throw new InputError(BAD);
        return value;
      }
      scale *= 128;
    }
    throw new InputError(BAD);
  }
  bytesField(): Uint8Array {
    const length = this.varint();
    if (this.at + length > this.bytes.length) throw new InputError(BAD);
    const slice = this.bytes.subarray(this.at, this.at + length);
    this.at += length;
    return slice;
  }
  /** Skips a field of this wire type. */
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 2) this.bytesField();
    else if (wireType === 1) this.at += 8;
    else if (wireType === 5) this.at += 4;
    else throw new InputError(BAD);
    if (this.at > this.bytes.length) throw new InputError(BAD);
  }
}

const ALGORITHMS: Record<number, OtpauthParameters["algorithm"] | undefined> = { 0: undefined, 1: "SHA1", 2: "SHA256" };
const ALGORITHM_NAMES: Record<number, string> = { 3: "SHA-512", 4: "MD5" };

function readAccount(bytes: Uint8Array, index: number): MigratedAccount {
  const r = new Reader(bytes);
  let secret: Uint8Array | null = null;
  let name = "";
  let issuer = "";
  let algorithm = 0;
  let digits = 0;
  let type = 0;
  let counter = 0;
  const text = (b: Uint8Array) => new TextDecoder("utf-8", { fatal: false }).decode(b);
  while (!r.done) {
    const key = r.varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field === 1 && wire === 2) secret = Uint8Array.from(r.bytesField());
    else if (field === 2 && wire === 2) name = text(r.bytesField());
    else if (field === 3 && wire === 2) issuer = text(r.bytesField());
    else if (field === 4 && wire === 0) algorithm = r.varint();
    else if (field === 5 && wire === 0) digits = r.varint();
    else if (field === 6 && wire === 0) type = r.varint();
    else if (field === 7 && wire === 0) counter = r.varint();
    else r.skip(wire);
  }
  const which = `account ${index + 1}${issuer ? ` (${issuer})` : ""}`;
  if (!secret || secret.length === 0) throw new InputError(`${which} of the transfer code has no secret`);
  if (!(algorithm in ALGORITHMS)) throw new InputError(`${which} uses ${ALGORITHM_NAMES[algorithm] ?? `algorithm ${algorithm}`}, which tokensmith tokens do not compute (SHA-1 and SHA-256 only)`);
  if (digits !== 0 && digits !== 1 && digits !== 2) throw new InputError(`${which}: digit count ${digits} is not 6 or 8`);
  if (type !== 0 && type !== 1 && type !== 2) throw new InputError(`${which}: OTP type ${type} is not HOTP or TOTP`);
  // Google's names are "Issuer:account" or "account"; the account part makes the label.
  const account = issuer && name.startsWith(issuer + ":") ? name.slice(issuer.length + 1) : name;
  return {
    secret,
    name: account,
    parameters: {
      kind: type === 1 ? "hotp" : "totp",
      algorithm: ALGORITHMS[algorithm],
      digits: digits === 2 ? 8 : digits === 1 ? 6 : undefined,
      period: undefined, // the payload has no period: Google Authenticator uses 30 s
      counter: type === 1 ? counter : undefined,
      issuer: issuer || undefined,
    },
  };
}

/** Every account in an otpauth-migration:// URI, in order. */
export function parseMigrationUri(uri: string): MigratedAccount[] {
  let url: URL;
  try {
    url = new URL(uri.trim());
  } catch {
    throw new InputError("the Google Authenticator transfer code is not a URI (otpauth-migration://offline?data=...)");
  }
  if (url.protocol !== "otpauth-migration:") throw new InputError(`not a Google Authenticator transfer code: the scheme is "${url.protocol}", not otpauth-migration:`);
  const data = url.searchParams.get("data");
  if (!data) throw new InputError("the Google Authenticator transfer code has no data= parameter");
  const bytes = Buffer.from(data.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  if (bytes.length === 0) throw new InputError(BAD);
  const r = new Reader(bytes);
  const accounts: MigratedAccount[] = [];
  while (!r.done) {
    const key = r.varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field === 1 && wire === 2) accounts.push(readAccount(r.bytesField(), accounts.length));
    else r.skip(wire);
  }
  if (accounts.length === 0) throw new InputError("the Google Authenticator transfer code holds no accounts");
  return accounts;
}
