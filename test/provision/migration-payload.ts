/**
 * Google Authenticator transfer payloads for the tests, encoded here from the protocol buffer
 * wire format (varint keys, length-delimited fields): separate from the reader under test.
 */
export interface TestAccount {
  secret: Uint8Array;
  name: string;
  issuer?: string;
  /** 1 SHA1, 2 SHA256, 3 SHA512, 4 MD5 */
  algorithm?: number;
  /** 1 six, 2 eight */
  digits?: number;
  /** 1 HOTP, 2 TOTP */
  type?: number;
  counter?: number;
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

const field = (number: number, wire: number) => varint(number * 8 + wire);
const bytesField = (number: number, bytes: Uint8Array | number[]) => [...field(number, 2), ...varint(bytes.length), ...bytes];
const intField = (number: number, value: number) => [...field(number, 0), ...varint(value)];

export function migrationUri(accounts: TestAccount[], extra: number[] = []): string {
  const payload: number[] = [];
  for (const a of accounts) {
    const account = [
      ...bytesField(1, a.secret),
      ...bytesField(2, Buffer.from(a.name, "utf8")),
      ...(a.issuer ? bytesField(3, Buffer.from(a.issuer, "utf8")) : []),
      ...(a.algorithm ? intField(4, a.algorithm) : []),
      ...(a.digits ? intField(5, a.digits) : []),
      ...intField(6, a.type ?? 2),
      ...(a.counter !== undefined ? intField(7, a.counter) : []),
    ];
    payload.push(...bytesField(1, account));
  }
  payload.push(...intField(2, 1), ...intField(3, 1), ...intField(4, 0), ...intField(5, 12345), ...extra);
  return "otpauth-migration://offline?data=" + encodeURIComponent(Buffer.from(payload).toString("base64"));
}
