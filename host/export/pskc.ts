/**
 * PSKC, RFC 6030 (Portable Symmetric Key Container) 1.0, as privacyIDEA, FreeIPA, NetIQ,
 * WatchGuard and others import it.
 *
 * Decisions (RFC 6030 section numbers; see also shared/reference/IMPORT-FORMATS.md):
 * - One <KeyPackage> per token: <DeviceInfo> (Manufacturer, SerialNo, Model: schema order,
 *   s. 11), <Key Id=serial Algorithm=...>. HOTP is the registered profile
 *   urn:ietf:params:xml:ns:keyprov:pskc:hotp (s. 10.1); TOTP uses the same colon form
 *   urn:ietf:params:xml:ns:keyprov:pskc:totp, which privacyIDEA reads as
 *   `Algorithm.split(":")[-1]` (the draft profiles' "#totp" form is not recognised there).
 * - <AlgorithmParameters>: <Suite> "designates the strength of the hash algorithm used (SHA1,
 *   SHA256, etc.)"; written only for SHA-256, as the text "SHA256" (privacyIDEA lowercases the
 *   Suite text into its hashlib name; absent means SHA-1). <ResponseFormat Length=digits
 *   Encoding="DECIMAL"/> (the schema's attribute names; s. 10.1's prose says "Format").
 * - <Data> in schema order Secret, Counter, Time, TimeInterval, each with a <PlainValue>
 *   child: Secret base64; HOTP Counter; TOTP Time 0 (T0 = the Unix epoch) and TimeInterval.
 * - Encrypted form, password-based (s. 6.2, figure 7): <EncryptionKey><xenc11:DerivedKey>
 *   with PBKDF2 (pkcs5:PBKDF2-params: Salt/Specified, IterationCount, KeyLength 16; PRF
 *   omitted = the PKCS #5 default hmac-sha1, where figure 7 has an empty <PRF/>), AES-128-CBC
 *   with the IV prepended to the ciphertext in CipherValue (s. 6.1), PKCS #7 padding (what
 *   XML Encryption's padding rule accepts and privacyIDEA's unpadder requires), and, because
 *   CBC has no integrity, <MACMethod> hmac-sha1 with a random 20-byte <MACKey> encrypted under
 *   the same key, and a <ValueMAC> = HMAC-SHA1(MAC key, IV || ciphertext) inside each <Secret>
 *   (s. 6.1.1). privacyIDEA refuses an encrypted file whose MAC does not verify.
 * - Only the secret is encrypted; Counter/Time/TimeInterval stay plain (as in figure 7).
 * - <Manufacturer> (s. 4.3.1) MUST be an OATH manufacturer prefix ("oath.XX") or an IANA
 *   Private Enterprise Number ("iana.dddd"). An open token has neither, so it is left out (the
 *   schema makes every DeviceInfo element optional); one given must carry such a prefix
 *   (pskctool reports any other value as non-compliant).
 */
import { createCipheriv, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import { basicProblems, duplicateProblems, hasControlCharacter, refuseIfAny, secretBase64, who } from "./common.js";
import { ExportError, type ExportToken } from "./types.js";

export const PSKC_NAMESPACE = "urn:ietf:params:xml:ns:keyprov:pskc";
export const XMLENC_NAMESPACE = "http://www.w3.org/2001/04/xmlenc#";
export const XMLENC11_NAMESPACE = "http://www.w3.org/2009/xmlenc11#";
export const PKCS5_NAMESPACE = "http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#";
export const PBKDF2_ALGORITHM = PKCS5_NAMESPACE + "pbkdf2";
export const AES128_CBC_ALGORITHM = XMLENC_NAMESPACE + "aes128-cbc";
export const HMAC_SHA1_ALGORITHM = "http://www.w3.org/2000/09/xmldsig#hmac-sha1";
export const PSKC_ALGORITHM = { totp: PSKC_NAMESPACE + ":totp", hotp: PSKC_NAMESPACE + ":hotp" } as const;

export interface PskcOptions {
  /** For tokens without their own: "oath.XX" or "iana.NUMBER" (RFC 6030 s. 4.3.1); omitted by default. */
  manufacturer?: string;
  /** For tokens without their own; omitted when neither is set. */
  model?: string;
}

export interface PskcEncryptionOptions extends PskcOptions {
  /** The passphrase the importing administrator types (UTF-8, used as given). */
  password: string;
  /**
   * PBKDF2 iterations; default 100,000. RFC 6030's example uses 1,000 (PKCS #5's minimum);
   * importers read the count from the file (privacyIDEA: any value), so more only costs the
   * importer a fraction of a second once.
   */
  iterations?: number;
  /** PBKDF2 salt (at least 8 bytes); random 16 bytes by default. */
  salt?: Uint8Array;
  /**
   * Test hook for reproducible output: the IVs (one per encrypted value) are derived from it,
   * distinct per value. Random (node:crypto) by default; never set it for a real export.
   */
  iv?: Uint8Array;
  /** HMAC-SHA1 key for the ValueMACs (at least 16 bytes); random 20 bytes by default. */
  macKey?: Uint8Array;
  /** Written as <xenc11:MasterKeyName>, to tell the importer which passphrase is meant. */
  keyName?: string;
}

const PSKC = "a PSKC file";
/** RFC 6030 s. 4.3.1: an OATH manufacturer prefix or an IANA Private Enterprise Number. */
export const PSKC_MANUFACTURER = /^(oath\.[A-Za-z0-9]{2}|iana\.[0-9]+)$/;
const KEY_LENGTH = 16; // AES-128
const MIN_ITERATIONS = 1000;

/** XML 1.0 text and attribute escaping; the caller has already refused control characters. */
function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&apos;"));
}

interface Meta {
  manufacturer: string | undefined;
  model: string | undefined;
}

function metaOf(token: ExportToken, options: PskcOptions): Meta {
  return {
    manufacturer: token.manufacturer ?? options.manufacturer,
    model: token.model ?? options.model,
  };
}

function tokenProblems(token: ExportToken, meta: Meta): string[] {
  const basic = basicProblems(token);
  if (basic.length > 0) return basic;
  const t = () => who(token); // built only for a message
  const problems: string[] = [];
  const texts: Array<[string, string | undefined]> = [
    ["serial", token.serial],
    ["label", token.label],
    ["issuer", token.issuer],
    ["account", token.account],
    ["UPN", token.upn],
    ["manufacturer", meta.manufacturer],
    ["model", meta.model],
  ];
  for (const [field, value] of texts) {
    if (value !== undefined && hasControlCharacter(value)) {
      problems.push(`${t()}: the ${field} ${JSON.stringify(value)} contains a control character, which XML cannot carry; remove it`);
    }
  }
  if (meta.manufacturer !== undefined && !hasControlCharacter(meta.manufacturer) && !PSKC_MANUFACTURER.test(meta.manufacturer)) {
    problems.push(
      `${t()}: the manufacturer ${JSON.stringify(meta.manufacturer)} is not an OATH prefix ("oath.XX") or an IANA enterprise number ("iana.12345"), ` +
        "which RFC 6030 requires of a PSKC Manufacturer; give one of those, or leave the manufacturer out",
    );
  }
  return problems;
}

function checkAll(tokens: readonly ExportToken[], options: PskcOptions): Meta[] {
  const metas = tokens.map((t) => metaOf(t, options));
  const problems = tokens.flatMap((t, i) => tokenProblems(t, metas[i]));
  if (problems.length === 0) problems.push(...duplicateProblems(tokens, (t) => t.serial, "in the file (Key Id must be unique)"));
  refuseIfAny(problems, PSKC);
  return metas;
}

function keyPackage(token: ExportToken, meta: Meta, secretXml: string): string {
  const lines: string[] = [];
  const push = (depth: number, text: string) => lines.push("  ".repeat(depth) + text);
  push(1, "<pskc:KeyPackage>");
  push(2, "<pskc:DeviceInfo>");
  if (meta.manufacturer !== undefined) push(3, `<pskc:Manufacturer>${esc(meta.manufacturer)}</pskc:Manufacturer>`);
  push(3, `<pskc:SerialNo>${esc(token.serial)}</pskc:SerialNo>`);
  if (meta.model !== undefined) push(3, `<pskc:Model>${esc(meta.model)}</pskc:Model>`);
  push(2, "</pskc:DeviceInfo>");
  push(2, `<pskc:Key Id="${esc(token.serial)}" Algorithm="${PSKC_ALGORITHM[token.kind]}">`);
  if (token.issuer !== undefined) push(3, `<pskc:Issuer>${esc(token.issuer)}</pskc:Issuer>`);
  push(3, "<pskc:AlgorithmParameters>");
  if (token.algorithm === "SHA256") push(4, "<pskc:Suite>SHA256</pskc:Suite>");
  push(4, `<pskc:ResponseFormat Length="${token.digits}" Encoding="DECIMAL"/>`);
  push(3, "</pskc:AlgorithmParameters>");
  if (token.label) push(3, `<pskc:FriendlyName>${esc(token.label)}</pskc:FriendlyName>`);
  push(3, "<pskc:Data>");
  push(4, "<pskc:Secret>");
  for (const line of secretXml.split("\n")) push(5, line);
  push(4, "</pskc:Secret>");
  const plain = (name: string, value: number) => push(4, `<pskc:${name}><pskc:PlainValue>${value}</pskc:PlainValue></pskc:${name}>`);
  if (token.kind === "hotp") {
    plain("Counter", token.counter);
  } else {
    plain("Time", 0);
    plain("TimeInterval", token.period);
  }
  push(3, "</pskc:Data>");
  const user = token.upn ?? token.account;
  if (user !== undefined) push(3, `<pskc:UserId>${esc(user)}</pskc:UserId>`);
  push(2, "</pskc:Key>");
  push(1, "</pskc:KeyPackage>");
  return lines.join("\n");
}

/** Unencrypted PSKC: the secrets are in the file in base64. Treat the file like the seeds. */
export function pskcPlain(tokens: readonly ExportToken[], options: PskcOptions = {}): string {
  const metas = checkAll(tokens, options);
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', `<pskc:KeyContainer xmlns:pskc="${PSKC_NAMESPACE}" Version="1.0">`];
  tokens.forEach((token, i) => {
    out.push(keyPackage(token, metas[i], `<pskc:PlainValue>${secretBase64(token.secret)}</pskc:PlainValue>`));
  });
  out.push("</pskc:KeyContainer>", "");
  return out.join("\n");
}

function optionProblems(options: PskcEncryptionOptions, iterations: number): string[] {
  const problems: string[] = [];
  if (typeof options.password !== "string" || options.password.length === 0) {
    problems.push("the password is empty; choose a passphrase and give it to the administrator who imports the file");
  }
  if (!Number.isInteger(iterations) || iterations < MIN_ITERATIONS || iterations > 10_000_000) {
    problems.push(`PBKDF2 iterations ${String(iterations)} is out of range; use a whole number from ${MIN_ITERATIONS} to 10,000,000 (default 100,000)`);
  }
  if (options.salt !== undefined && options.salt.length < 8) problems.push("the PBKDF2 salt is shorter than 8 bytes; leave it out for a random one");
  if (options.iv !== undefined && options.iv.length === 0) problems.push("the IV seed is empty; leave it out for random IVs");
  if (options.macKey !== undefined && options.macKey.length < 16) problems.push("the MAC key is shorter than 16 bytes; leave it out for a random one");
  if (options.keyName !== undefined && hasControlCharacter(options.keyName)) problems.push("the key name contains a control character; remove it");
  return problems;
}

/**
 * Password-protected PSKC (RFC 6030 s. 6.2): secrets AES-128-CBC encrypted under a PBKDF2
 * key derived from `password`, each with an HMAC-SHA1 ValueMAC.
 */
export function pskcEncrypted(tokens: readonly ExportToken[], options: PskcEncryptionOptions): string {
  const iterations = options.iterations ?? 100_000;
  const problems = optionProblems(options, iterations);
  if (problems.length > 0) throw new ExportError("Nothing was exported: the PSKC encryption settings are not usable:", problems);
  const metas = checkAll(tokens, options);

  const salt = options.salt ?? randomBytes(16);
  const macKey = options.macKey ?? randomBytes(20);
  const ivSeed = options.iv;
  const ivFor = (index: number): Uint8Array =>
    ivSeed === undefined
      ? randomBytes(16)
      : createHmac("sha256", ivSeed).update("tokensmith pskc iv " + String(index)).digest().subarray(0, 16);
  const key = pbkdf2Sync(Buffer.from(options.password, "utf8"), salt, iterations, KEY_LENGTH, "sha1");
  const encrypt = (plain: Uint8Array, index: number): Buffer => {
    const iv = ivFor(index);
    const cipher = createCipheriv("aes-128-cbc", key, iv); // PKCS #7 padding
    return Buffer.concat([iv, cipher.update(plain), cipher.final()]);
  };
  const cipherData = (value: Buffer) =>
    `<xenc:EncryptionMethod Algorithm="${AES128_CBC_ALGORITHM}"/>\n` +
    `<xenc:CipherData>\n  <xenc:CipherValue>${value.toString("base64")}</xenc:CipherValue>\n</xenc:CipherData>`;
  const indent = (text: string, depth: number) => text.split("\n").map((l) => "  ".repeat(depth) + l).join("\n");

  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<pskc:KeyContainer xmlns:pskc="${PSKC_NAMESPACE}" xmlns:xenc11="${XMLENC11_NAMESPACE}" xmlns:pkcs5="${PKCS5_NAMESPACE}" xmlns:xenc="${XMLENC_NAMESPACE}" Version="1.0">`,
    "  <pskc:EncryptionKey>",
    "    <xenc11:DerivedKey>",
    `      <xenc11:KeyDerivationMethod Algorithm="${PBKDF2_ALGORITHM}">`,
    "        <pkcs5:PBKDF2-params>",
    `          <Salt><Specified>${Buffer.from(salt).toString("base64")}</Specified></Salt>`,
    `          <IterationCount>${iterations}</IterationCount>`,
    `          <KeyLength>${KEY_LENGTH}</KeyLength>`,
    "        </pkcs5:PBKDF2-params>",
    "      </xenc11:KeyDerivationMethod>",
  ];
  if (options.keyName !== undefined) out.push(`      <xenc11:MasterKeyName>${esc(options.keyName)}</xenc11:MasterKeyName>`);
  out.push(
    "    </xenc11:DerivedKey>",
    "  </pskc:EncryptionKey>",
    `  <pskc:MACMethod Algorithm="${HMAC_SHA1_ALGORITHM}">`,
    "    <pskc:MACKey>",
    indent(cipherData(encrypt(macKey, 0)), 3),
    "    </pskc:MACKey>",
    "  </pskc:MACMethod>",
  );
  tokens.forEach((token, i) => {
    const value = encrypt(token.secret, i + 1);
    const mac = createHmac("sha1", macKey).update(value).digest("base64");
    const secretXml = `<pskc:EncryptedValue>\n${indent(cipherData(value), 1)}\n</pskc:EncryptedValue>\n<pskc:ValueMAC>${mac}</pskc:ValueMAC>`;
    out.push(keyPackage(token, metas[i], secretXml));
  });
  out.push("</pskc:KeyContainer>", "");
  return out.join("\n");
}
