/** shared/protocol/commands.ts: the spec's constants, answers and the auth message. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as commands from "../../shared/protocol/commands.js";
import { authMessage, errorFrame, okFrame } from "../../shared/protocol/commands.js";
import { addField, decodeFrame, encodeFrame, newFrame } from "../../shared/protocol/frame.js";
import { withCrc } from "./helpers.js";

describe("constants", () => {
  it("are the spec's", () => {
    expect(commands.VERB_TIME_SET).toBe("TIME_SET");
    expect(commands.VERB_MAINTENANCE).toBe("MAINTENANCE");
    expect(commands.ERR_BAD_FRAME).toBe("bad_frame");
    expect(commands.ERR_TOO_LONG).toBe("too_long");
    expect(commands.ERR_NOT_ALLOWED).toBe("not_allowed");
    expect(commands.SMALL_STEP_SECONDS).toBe(30);
    expect(commands.UNAUTHORISED_DRIFT_BUDGET_SECONDS).toBe(90);
    expect(commands.VERIFY_PREFIX).toBe("tokensmith-verify ");
    expect(commands.MAX_FRAME_BYTES).toBe(2048);
  });

  it("name every verb and error code of PROTOCOL.md", () => {
    const verbs = Object.entries(commands).filter(([k]) => k.startsWith("VERB_")).map(([, v]) => v).sort();
    // The spec's command table, plus the two answer verbs.
    const spec = readFileSync(new URL("../../shared/protocol/PROTOCOL.md", import.meta.url), "utf8");
    const tabled = [...spec.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(tabled).toContain("FACTORY_RESET");
    expect(verbs).toEqual([...tabled, "OK", "ERR"].sort());
    const codes = Object.entries(commands).filter(([k]) => k.startsWith("ERR_")).map(([, v]) => v).sort();
    expect(codes).toEqual(["auth_failed", "auth_required", "bad_argument", "bad_frame", "clock_lost", "not_allowed",
      "not_provisioned", "storage_full", "too_long", "unknown_command"]);
  });
});

describe("answers", () => {
  it("okFrame and errorFrame encode as the spec writes them", () => {
    const ok = okFrame(42);
    addField(ok, "time", "1700000000");
    expect(encodeFrame(ok, null)).toBe(withCrc("<42 OK time=1700000000 ") + "\n");
    expect(encodeFrame(errorFrame(0, "bad_frame", "field 3 has no '='"), null))
      .toBe(withCrc("<0 ERR code=bad_frame message=field%203%20has%20no%20%27%3D%27 ") + "\n");
  });
});

describe("authMessage", () => {
  const nonce = "00112233445566778899aabbccddeeff";

  it("is nonce, verb and the other fields exactly as on the wire", () => {
    const line = withCrc(">9 TIME_SET time=1700000000 auth=0a1b note=Bob%27s%20key ");
    const d = decodeFrame(line, null);
    expect(d.error).toBe("");
    expect(authMessage(nonce, d.frame!)).toBe(nonce + " TIME_SET time=1700000000 note=Bob%27s%20key");
  });

  it("ends in a space when auth is the only field (the spec's formula, literally)", () => {
    const wipe = newFrame(true, 2, "WIPE");
    addField(wipe, "auth", "ff");
    expect(authMessage(nonce, wipe)).toBe(nonce + " WIPE ");
  });
});
