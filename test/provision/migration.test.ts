/**
 * Google Authenticator's transfer codes (otpauth-migration://): the well-known published
 * example decoded to what it is documented to hold, and payloads encoded by the tests'
 * own encoder (migration-payload.ts) with every field the reader uses.
 */
import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { parseMigrationUri } from "../../host/provision/migration.js";
import { labelForService, serviceKeys } from "../../host/provision/service-keys.js";
import { migrationUri } from "./migration-payload.js";

describe("otpauth-migration:// transfer codes", () => {
  it("the published example: one TOTP account, Example:alice@google.com, secret JBSWY3DPEHPK3PXP", () => {
    const [account, ...rest] = parseMigrationUri("otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8SGEV4YW1wbGU6YWxpY2VAZ29vZ2xlLmNvbRoHRXhhbXBsZTAC");
    expect(rest).toEqual([]);
    expect(Buffer.from(account.secret).toString("hex")).toBe("48656c6c6f21deadbeef"); // JBSWY3DPEHPK3PXP
    expect(account.name).toBe("alice@google.com");
    expect(account.parameters).toMatchObject({ kind: "totp", issuer: "Example", algorithm: undefined, digits: undefined });
  });

  it("several accounts with their algorithm, digits, type and counter, in order; unknown fields skipped", () => {
    const secrets = [randomBytes(20), randomBytes(32), randomBytes(10)];
    const uri = migrationUri(
      [
        { secret: secrets[0], name: "Autotask:helpdesk@example.com", issuer: "Autotask", algorithm: 1, digits: 1, type: 2 },
        { secret: secrets[1], name: "ops@example.com", issuer: "Datto RMM", algorithm: 2, digits: 2, type: 2 },
        { secret: secrets[2], name: "vpn", type: 1, counter: 42 },
      ],
      [0x58, 0x07, 0x62, 0x02, 0x68, 0x69], // field 11 varint 7, field 12 bytes "hi": unknown to the reader
    );
    const accounts = parseMigrationUri(uri);
    expect(accounts.map((a) => Buffer.from(a.secret).toString("hex"))).toEqual(secrets.map((s) => s.toString("hex")));
    expect(accounts.map((a) => [a.name, a.parameters.issuer, a.parameters.kind, a.parameters.algorithm, a.parameters.digits, a.parameters.counter])).toEqual([
      ["helpdesk@example.com", "Autotask", "totp", "SHA1", 6, undefined],
      ["ops@example.com", "Datto RMM", "totp", "SHA256", 8, undefined],
      ["vpn", undefined, "hotp", undefined, undefined, 42],
    ]);
    expect(serviceKeys([uri, "otpauth://totp/GitHub:me?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=GitHub"]).map((k) => labelForService(k, 0))).toEqual(["Autotask", "Datto RMM", "vpn", "GitHub"]);
  });

  it("refuses what a token cannot compute, and damaged payloads, without repeating the data", () => {
    expect(() => parseMigrationUri(migrationUri([{ secret: randomBytes(20), name: "x", issuer: "Old", algorithm: 3 }]))).toThrow(/account 1 \(Old\) uses SHA-512/);
    const damaged = "otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8SGEV4YW1wbG";
    expect(() => parseMigrationUri(damaged)).toThrow(/damaged or not one/);
    expect(() => parseMigrationUri(damaged)).not.toThrow(/CjEKC/);
    expect(() => parseMigrationUri("otpauth-migration://offline")).toThrow(/no data= parameter/);
    expect(() => parseMigrationUri(migrationUri([]))).toThrow(/holds no accounts/);
  });

  it("labels: only what the token's font draws, at most 16, else Profile N", () => {
    expect(labelForService({ issuer: "Microsoft 365: Contoso Ltd." }, 2)).toBe("Microsoft 365 Co");
    expect(labelForService({ account: "alice@example.com" }, 3)).toBe("aliceexample.com");
    expect(labelForService({ issuer: "€€€" }, 4)).toBe("Profile 4");
  });
});
