/**
 * Warnings that do not stop an export: short secrets (RFC 4226 section 4, R6: at least 128
 * bits) and, for key URIs, profiles phone apps may compute wrongly. One line per problem,
 * naming the tokens it concerns.
 */
import { describe, expect, it } from "vitest";
import { exportWarnings } from "../../host/export/warnings.js";
import { makeToken } from "./support.js";

describe("export warnings", () => {
  it("none for 160-bit SHA-1, 6-digit, 30 s tokens, in any format", () => {
    const tokens = [makeToken({ serial: "A-1" }), makeToken({ serial: "A-2", kind: "hotp" })];
    for (const format of ["duo", "entra", "pskc", "otpauth"]) expect(exportWarnings(tokens, format)).toEqual([]);
  });

  it("a secret under 128 bits, in every format, with its size", () => {
    const short = makeToken({ serial: "S-1", secret: new Uint8Array(10).fill(1) });
    const edge = makeToken({ serial: "S-2", secret: new Uint8Array(16).fill(1) }); // exactly 128 bits: fine
    for (const format of ["duo", "pskc"]) {
      const warnings = exportWarnings([short, edge], format);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^token "S-1": the secret is only 80 bits, below RFC 4226's 128-bit minimum/);
    }
  });

  it("otpauth only: SHA-256, 8 digits and 60 s steps, each once with the tokens it concerns", () => {
    const eight = ["E-1", "E-2", "E-3", "E-4", "E-5"].map((serial) => makeToken({ serial, digits: 8 }));
    const sha256 = makeToken({ serial: "H-1", algorithm: "SHA256" });
    const slow = [makeToken({ serial: "P-1", period: 60 }), makeToken({ serial: "P-2", period: 60 })];
    const hotp60 = makeToken({ serial: "C-1", kind: "hotp", period: 60 }); // HOTP has no step: nothing to say
    const tokens = [...eight, sha256, ...slow, hotp60];
    expect(exportWarnings(tokens, "duo")).toEqual([]);
    const warnings = exportWarnings(tokens, "otpauth");
    expect(warnings).toHaveLength(3);
    expect(warnings).toContainEqual(expect.stringMatching(/^5 tokens \("E-1", "E-2", "E-3", \.\.\.\): 8 digits: many authenticator apps show 6/));
    expect(warnings).toContainEqual(expect.stringMatching(/^token "H-1": SHA256: many authenticator apps ignore the algorithm/));
    expect(warnings).toContainEqual(expect.stringMatching(/^tokens "P-1", "P-2": 60-second step/));
  });
});
