import { describe, expect, it } from "vitest";
import { defaultLedgerPath } from "../../host/ledger/location.js";

describe("default ledger location", () => {
  it("follows XDG on Linux, ignoring a relative XDG_DATA_HOME", () => {
    expect(defaultLedgerPath({}, "linux", "/home/ann")).toBe("/home/ann/.local/share/tokensmith/ledger.sqlite");
    expect(defaultLedgerPath({ XDG_DATA_HOME: "/data" }, "linux", "/home/ann")).toBe("/data/tokensmith/ledger.sqlite");
    expect(defaultLedgerPath({ XDG_DATA_HOME: "rel" }, "linux", "/home/ann")).toBe("/home/ann/.local/share/tokensmith/ledger.sqlite");
  });

  it("uses Application Support on macOS and the local app data on Windows", () => {
    expect(defaultLedgerPath({}, "darwin", "/Users/ann")).toBe("/Users/ann/Library/Application Support/tokensmith/ledger.sqlite");
    expect(defaultLedgerPath({ LOCALAPPDATA: "C:\\Users\\ann\\AppData\\Local", APPDATA: "C:\\Users\\ann\\AppData\\Roaming" }, "win32", "C:\\Users\\ann")).toBe(
      "C:\\Users\\ann\\AppData\\Local\\tokensmith\\ledger.sqlite",
    );
    expect(defaultLedgerPath({ APPDATA: "C:\\Users\\ann\\AppData\\Roaming" }, "win32", "C:\\Users\\ann")).toBe("C:\\Users\\ann\\AppData\\Roaming\\tokensmith\\ledger.sqlite");
  });
});
