/**
 * PSKC (RFC 6030) read back with fast-xml-parser (namespaces resolved), secrets decoded or
 * decrypted here with node:crypto (PBKDF2-HMAC-SHA1, AES-128-CBC with the IV first, HMAC-SHA1
 * ValueMAC), then codes compared with otplib. The reader is first checked against RFC 6030's
 * own figure 7 example, so it reads what the RFC means, not what our writer happens to write.
 */
import { createDecipheriv, createHmac, pbkdf2Sync, timingSafeEqual } from "node:crypto";
import { describe, expect, it } from "vitest";
import { pskcEncrypted, pskcPlain } from "../../host/export/pskc.js";
import { ExportError, type ExportToken } from "../../host/export/types.js";
import { TIMES, asArray, attr, child, makeToken, oracleCode, originalCodes, parseXmlNs, text, type XmlValue } from "./support.js";

const P = "{urn:ietf:params:xml:ns:keyprov:pskc}";
const XENC = "{http://www.w3.org/2001/04/xmlenc#}";
const XENC11 = "{http://www.w3.org/2009/xmlenc11#}";
const PKCS5 = "{http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#}";

/** RFC 6030 figure 7 (password "qwerty"), as published. */
const RFC6030_FIGURE_7 = `<?xml version="1.0" encoding="UTF-8"?>
<pskc:KeyContainer
  xmlns:pskc="urn:ietf:params:xml:ns:keyprov:pskc"
  xmlns:xenc11="http://www.w3.org/2009/xmlenc11#"
  xmlns:pkcs5="http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#"
  xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Version="1.0">
    <pskc:EncryptionKey>
        <xenc11:DerivedKey>
            <xenc11:KeyDerivationMethod
              Algorithm="http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#pbkdf2">
                <pkcs5:PBKDF2-params>
                    <Salt>
                        <Specified>Ej7/PEpyEpw=</Specified>
                    </Salt>
                    <IterationCount>1000</IterationCount>
                    <KeyLength>16</KeyLength>
                    <PRF/>
                </pkcs5:PBKDF2-params>
            </xenc11:KeyDerivationMethod>
            <xenc:ReferenceList>
                <xenc:DataReference URI="#ED"/>
            </xenc:ReferenceList>
            <xenc11:MasterKeyName>My Password 1</xenc11:MasterKeyName>
        </xenc11:DerivedKey>
    </pskc:EncryptionKey>
    <pskc:MACMethod
        Algorithm="http://www.w3.org/2000/09/xmldsig#hmac-sha1">
        <pskc:MACKey>
            <xenc:EncryptionMethod
            Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>
            <xenc:CipherData>
                <xenc:CipherValue>
2GTTnLwM3I4e5IO5FkufoOEiOhNj91fhKRQBtBJYluUDsPOLTfUvoU2dStyOwYZx
                </xenc:CipherValue>
            </xenc:CipherData>
        </pskc:MACKey>
    </pskc:MACMethod>
    <pskc:KeyPackage>
        <pskc:DeviceInfo>
            <pskc:Manufacturer>TokenVendorAcme</pskc:Manufacturer>
            <pskc:SerialNo>987654321</pskc:SerialNo>
        </pskc:DeviceInfo>
        <pskc:CryptoModuleInfo>
            <pskc:Id>CM_ID_001</pskc:Id>
        </pskc:CryptoModuleInfo>
        <pskc:Key Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp" Id="123456">
            <pskc:Issuer>Example-Issuer</pskc:Issuer>
            <pskc:AlgorithmParameters>
                <pskc:ResponseFormat Length="8" Encoding="DECIMAL"/>
            </pskc:AlgorithmParameters>
            <pskc:Data>
                <pskc:Secret>
                <pskc:EncryptedValue Id="ED">
                    <xenc:EncryptionMethod
                        Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>
                        <xenc:CipherData>
                            <xenc:CipherValue>
      oTvo+S22nsmS2Z/RtcoF8Hfh+jzMe0RkiafpoDpnoZTjPYZu6V+A4aEn032yCr4f
                        </xenc:CipherValue>
                    </xenc:CipherData>
                    </pskc:EncryptedValue>
                    <pskc:ValueMAC>LP6xMvjtypbfT9PdkJhBZ+D6O4w=
                    </pskc:ValueMAC>
                </pskc:Secret>
            </pskc:Data>
        </pskc:Key>
    </pskc:KeyPackage>
</pskc:KeyContainer>`;

const b64 = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "base64");

/** AES-128-CBC with the IV in the first 16 bytes; XML Encryption padding (last byte = count). */
function decrypt(key: Buffer, value: Buffer): Buffer {
  const decipher = createDecipheriv("aes-128-cbc", key, value.subarray(0, 16));
  decipher.setAutoPadding(false);
  const raw = Buffer.concat([decipher.update(value.subarray(16)), decipher.final()]);
  const pad = raw[raw.length - 1];
  return pad >= 1 && pad <= 16 ? raw.subarray(0, raw.length - pad) : raw;
}

interface ReadKey {
  serial: string;
  keyId: string;
  algorithm: string;
  manufacturer?: string;
  model?: string;
  issuer?: string;
  friendlyName?: string;
  userId?: string;
  digits: number;
  encoding?: string;
  suite?: string;
  secret: Buffer;
  macOk?: boolean;
  counter?: number;
  time?: number;
  period?: number;
}

const optionalText = (node: XmlValue, ...path: string[]) => {
  try {
    return text(child(node, ...path));
  } catch {
    return undefined;
  }
};
const plainNumber = (data: XmlValue, name: string) => {
  const value = optionalText(data, P + name, P + "PlainValue");
  return value === undefined ? undefined : Number(value);
};

/** An independent PSKC reader: plain or password-based (RFC 6030 s. 6.2) containers. */
function readPskc(xml: string, password?: string): { keys: ReadKey[]; derivedKey?: Buffer } {
  const doc = parseXmlNs(xml);
  const container = child(doc, P + "KeyContainer");
  expect(attr(container, "Version")).toBe("1.0");
  let key: Buffer | undefined;
  let macKey: Buffer | undefined;
  const encryptionKey = typeof container === "object" && !Array.isArray(container) ? container[P + "EncryptionKey"] : undefined;
  if (encryptionKey !== undefined) {
    const method = child(encryptionKey, XENC11 + "DerivedKey", XENC11 + "KeyDerivationMethod");
    expect(attr(method, "Algorithm")).toBe("http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#pbkdf2");
    const params = child(method, PKCS5 + "PBKDF2-params");
    const prf = typeof params === "object" && !Array.isArray(params) ? params["{}PRF"] : undefined;
    if (prf !== undefined && prf !== "") expect(attr(prf, "Algorithm")).toMatch(/hmac-sha1$/);
    const salt = b64(text(child(params, "{}Salt", "{}Specified")));
    const iterations = Number(text(child(params, "{}IterationCount")));
    const length = Number(text(child(params, "{}KeyLength")));
    key = pbkdf2Sync(Buffer.from(password ?? "", "utf8"), salt, iterations, length, "sha1");
    const macMethod = child(container, P + "MACMethod");
    expect(attr(macMethod, "Algorithm")).toBe("http://www.w3.org/2000/09/xmldsig#hmac-sha1");
    const macKeyNode = child(macMethod, P + "MACKey");
    expect(attr(child(macKeyNode, XENC + "EncryptionMethod"), "Algorithm")).toBe("http://www.w3.org/2001/04/xmlenc#aes128-cbc");
    macKey = decrypt(key, b64(text(child(macKeyNode, XENC + "CipherData", XENC + "CipherValue"))));
  }
  const keys = asArray(child(container, P + "KeyPackage") as XmlValue | XmlValue[]).map((pkg): ReadKey => {
    const info = child(pkg, P + "DeviceInfo");
    const k = child(pkg, P + "Key");
    const params = child(k, P + "AlgorithmParameters");
    const response = child(params, P + "ResponseFormat");
    const data = child(k, P + "Data");
    const secretNode = child(data, P + "Secret");
    let secret: Buffer;
    let macOk: boolean | undefined;
    const plain = optionalText(secretNode, P + "PlainValue");
    if (plain !== undefined) {
      secret = b64(plain);
    } else {
      const encrypted = child(secretNode, P + "EncryptedValue");
      expect(attr(child(encrypted, XENC + "EncryptionMethod"), "Algorithm")).toBe("http://www.w3.org/2001/04/xmlenc#aes128-cbc");
      const value = b64(text(child(encrypted, XENC + "CipherData", XENC + "CipherValue")));
      const mac = b64(text(child(secretNode, P + "ValueMAC")));
      const expected = createHmac("sha1", macKey!).update(value).digest(); // over IV || ciphertext
      macOk = mac.length === expected.length && timingSafeEqual(mac, expected);
      secret = decrypt(key!, value);
    }
    return {
      serial: text(child(info, P + "SerialNo")),
      manufacturer: optionalText(info, P + "Manufacturer"),
      model: optionalText(info, P + "Model"),
      keyId: attr(k, "Id")!,
      algorithm: attr(k, "Algorithm")!,
      issuer: optionalText(k, P + "Issuer"),
      friendlyName: optionalText(k, P + "FriendlyName"),
      userId: optionalText(k, P + "UserId"),
      digits: Number(attr(response, "Length")),
      encoding: attr(response, "Encoding"),
      suite: optionalText(params, P + "Suite"),
      secret,
      macOk,
      counter: plainNumber(data, "Counter"),
      time: plainNumber(data, "Time"),
      period: plainNumber(data, "TimeInterval"),
    };
  });
  return { keys, derivedKey: key };
}

/** The token a PSKC importer would build from what it read. */
function asOracleParams(k: ReadKey) {
  const kind = k.algorithm === "urn:ietf:params:xml:ns:keyprov:pskc:totp" ? ("totp" as const) : ("hotp" as const);
  if (kind === "hotp") expect(k.algorithm).toBe("urn:ietf:params:xml:ns:keyprov:pskc:hotp");
  return {
    kind,
    algorithm: k.suite === undefined ? ("SHA1" as const) : k.suite === "SHA256" ? ("SHA256" as const) : ("?" as never),
    digits: k.digits,
    period: k.period ?? 30,
    counter: k.counter ?? 0,
  };
}

function expectRoundTrip(tokens: readonly ExportToken[], keys: ReadKey[]) {
  expect(keys).toHaveLength(tokens.length);
  keys.forEach((k, i) => {
    const token = tokens[i];
    expect(k.serial).toBe(token.serial);
    expect(k.keyId).toBe(token.serial);
    expect(k.encoding).toBe("DECIMAL");
    expect(k.secret.equals(Buffer.from(token.secret))).toBe(true);
    if (token.kind === "totp") {
      expect(k.time).toBe(0);
      expect(k.counter).toBeUndefined();
    } else {
      expect(k.period).toBeUndefined();
    }
    const params = asOracleParams(k);
    expect(TIMES.map((t) => oracleCode(k.secret, params, t))).toEqual(originalCodes(token));
  });
}

describe("PSKC reader (the test's own) against RFC 6030 figure 7", () => {
  it("derives the key, verifies the MAC and decrypts the secret the RFC example holds", () => {
    const { keys, derivedKey } = readPskc(RFC6030_FIGURE_7, "qwerty");
    expect(derivedKey!.toString("hex")).toBe("651e63cd57008476af1ff6422cd02e41");
    expect(keys[0].macOk).toBe(true);
    expect(keys[0].secret.toString("hex")).toBe("3132333435363738393031323334353637383930"); // "12345678901234567890"
    expect(keys[0]).toMatchObject({ serial: "987654321", keyId: "123456", digits: 8, issuer: "Example-Issuer" });
  });
});

describe("PSKC plain", () => {
  const tokens = [
    makeToken({ issuer: "Acme", account: "alice", upn: "alice@contoso.com" }),
    makeToken({ period: 60, digits: 8 }),
    makeToken({ algorithm: "SHA256", secret: new Uint8Array(32).fill(0x5a) }),
    makeToken({ kind: "hotp", counter: 42, digits: 7 }),
    makeToken({ kind: "hotp", counter: 0, algorithm: "SHA256" }),
  ];

  it("declares the PSKC namespace and Version 1.0, and reads back to the same secrets and codes", () => {
    const xml = pskcPlain(tokens);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
    expectRoundTrip(tokens, readPskc(xml).keys);
  });

  it("writes the colon-form algorithm URIs, Suite SHA256 only for SHA-256, Time 0 and the interval", () => {
    const { keys } = readPskc(pskcPlain(tokens));
    expect(keys.map((k) => k.algorithm)).toEqual([
      "urn:ietf:params:xml:ns:keyprov:pskc:totp",
      "urn:ietf:params:xml:ns:keyprov:pskc:totp",
      "urn:ietf:params:xml:ns:keyprov:pskc:totp",
      "urn:ietf:params:xml:ns:keyprov:pskc:hotp",
      "urn:ietf:params:xml:ns:keyprov:pskc:hotp",
    ]);
    expect(keys.map((k) => k.suite)).toEqual([undefined, undefined, "SHA256", undefined, "SHA256"]);
    expect(keys.map((k) => [k.time, k.period, k.counter])).toEqual([
      [0, 30, undefined],
      [0, 60, undefined],
      [0, 30, undefined],
      [undefined, undefined, 42],
      [undefined, undefined, 0],
    ]);
    expect(keys[0]).toMatchObject({ issuer: "Acme", userId: "alice@contoso.com", friendlyName: tokens[0].label });
    // RFC 6030 s. 4.3.1 wants "oath.XX" or "iana.NUMBER": an open token has neither, so none.
    expect(keys[0].manufacturer).toBeUndefined();
  });

  it("escapes XML metacharacters in every text field and attribute", () => {
    const nasty = `<&>"' Ünïcödé`;
    const token = makeToken({ serial: `S<1>&"'`, label: nasty, issuer: nasty, account: nasty, model: nasty });
    const xml = pskcPlain([token]);
    const [k] = readPskc(xml).keys;
    expect(k).toMatchObject({ serial: token.serial, keyId: token.serial, friendlyName: nasty, issuer: nasty, model: nasty, userId: nasty });
    expectRoundTrip([token], [k]);
  });

  it("writes a Manufacturer only as RFC 6030 s. 4.3.1 has it: an OATH prefix or an IANA enterprise number", () => {
    for (const manufacturer of ["oath.TS", "iana.12345"]) {
      expect(readPskc(pskcPlain([makeToken()], { manufacturer })).keys[0].manufacturer).toBe(manufacturer);
      expect(readPskc(pskcPlain([makeToken({ manufacturer })])).keys[0].manufacturer).toBe(manufacturer);
    }
    for (const manufacturer of ["tokensmith", "oath.", "oath.TOKENSMITH", "iana.", "iana.tokensmith", "OATH.TS", " oath.TS"]) {
      expect(() => pskcPlain([makeToken()], { manufacturer }), manufacturer).toThrow(/is not an OATH prefix \("oath\.XX"\) or an IANA enterprise number/);
    }
  });

  it("refuses control characters (XML cannot carry them) and duplicate Key Ids", () => {
    expect(() => pskcPlain([makeToken({ label: "a\u0001b" })])).toThrow(/label "a\\u0001b" contains a control character/);
    expect(() => pskcPlain([makeToken({ serial: "X" }), makeToken({ serial: "X" })])).toThrow(/"X": the serial appears 2 times.*Key Id must be unique/);
  });
});

describe("PSKC password-encrypted (RFC 6030 s. 6.2)", () => {
  const tokens = [makeToken(), makeToken({ kind: "hotp", counter: 9, digits: 8 }), makeToken({ algorithm: "SHA256" })];
  const fixed = { password: "correct horse battery staple", iterations: 1000, salt: Buffer.alloc(16, 7), iv: Buffer.from("iv seed"), macKey: Buffer.alloc(20, 3) };

  it("decrypts with the password to the same secrets and codes, every ValueMAC verifying", () => {
    const xml = pskcEncrypted(tokens, fixed);
    expect(xml).not.toContain(Buffer.from(tokens[0].secret).toString("base64"));
    expect(xml).not.toContain("PlainValue>" + Buffer.from(tokens[0].secret).toString("base64"));
    const { keys } = readPskc(xml, fixed.password);
    expect(keys.map((k) => k.macOk)).toEqual([true, true, true]);
    expectRoundTrip(tokens, keys);
  });

  it("uses the default 100,000 iterations, a random salt, MAC key and IVs unless given", () => {
    const a = pskcEncrypted(tokens.slice(0, 1), { password: "pw" });
    const b = pskcEncrypted(tokens.slice(0, 1), { password: "pw" });
    expect(a).toContain("<IterationCount>100000</IterationCount>");
    expect(a).not.toBe(b);
    const { keys } = readPskc(a, "pw");
    expect(keys[0].macOk).toBe(true);
    expectRoundTrip(tokens.slice(0, 1), keys);
  });

  it("is deterministic when salt, IV seed and MAC key are given, with a distinct IV per value", () => {
    const a = pskcEncrypted(tokens, fixed);
    expect(pskcEncrypted(tokens, fixed)).toBe(a);
    const ivs = [...a.matchAll(/<xenc:CipherValue>([^<]+)</g)].map((m) => b64(m[1]).subarray(0, 16).toString("hex"));
    expect(ivs).toHaveLength(4); // MAC key + 3 secrets
    expect(new Set(ivs).size).toBe(4);
  });

  it("with the wrong password, the MACs do not verify", () => {
    const { keys } = readPskc(pskcEncrypted(tokens, fixed), "Correct horse battery staple");
    expect(keys.map((k) => k.macOk)).toEqual([false, false, false]);
  });

  it("names the MAC key's and secret's algorithms as RFC 6030 figure 7 does, and the master key name when given", () => {
    const xml = pskcEncrypted(tokens.slice(0, 1), { ...fixed, keyName: "Batch 7 <March>" });
    const doc = parseXmlNs(xml);
    const derived = child(doc, P + "KeyContainer", P + "EncryptionKey", XENC11 + "DerivedKey");
    expect(text(child(derived, XENC11 + "MasterKeyName"))).toBe("Batch 7 <March>");
    expect(text(child(derived, XENC11 + "KeyDerivationMethod", PKCS5 + "PBKDF2-params", "{}KeyLength"))).toBe("16");
  });

  it("refuses unusable settings", () => {
    expect(() => pskcEncrypted(tokens, { password: "" })).toThrow(/password is empty/);
    expect(() => pskcEncrypted(tokens, { password: "x", iterations: 10 })).toThrow(/iterations 10 is out of range/);
    expect(() => pskcEncrypted(tokens, { password: "x", salt: new Uint8Array(4) })).toThrow(/salt is shorter than 8 bytes/);
    expect(() => pskcEncrypted(tokens, { password: "x", macKey: new Uint8Array(8) })).toThrow(ExportError);
  });
});
