/** The secret-file writer: 0600 whatever the umask, atomic, no silent overwrite, clean failures. */
import { nobodyCannotRun } from "../nobody.js";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { appendSecretLine, SecretFileError, writeSecretFileAtomically } from "../../host/export/write-file.js";
import { listing } from "./support.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "tokensmith-export-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the writer as uid/gid 65534 (nobody) in a child process; returns what it threw. */
function runAsNobody(target: string): { name?: string; code?: string; message?: string } {
  const probeDir = mkdtempSync(path.join(os.tmpdir(), "tokensmith-probe-"));
  chmodSync(probeDir, 0o755);
  const probe = path.join(probeDir, "probe.ts");
  const writer = fileURLToPath(new URL("../../host/export/write-file.js", import.meta.url));
  writeFileSync(
    probe,
    `import { writeSecretFileAtomically } from ${JSON.stringify(writer)};\n` +
      `writeSecretFileAtomically(process.argv[2], "x").then(() => console.log("{}"), (e) => console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })));\n`,
  );
  chmodSync(probe, 0o644);
  try {
    const result = spawnSync(process.execPath, ["--import", "tsx", probe, target], { uid: 65534, gid: 65534, cwd: repoRoot, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`probe failed: ${result.stderr}`);
    return JSON.parse(result.stdout.trim().split("\n").pop() ?? "{}");
  } finally {
    rmSync(probeDir, { recursive: true, force: true });
  }
}

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

const mode = (file: string) => statSync(file).mode & 0o777;

/** Runs `fn` under `umask` (vitest runs files in forked processes, where process.umask works). */
async function withUmask<T>(umask: number, fn: () => Promise<T>): Promise<T> {
  const previous = process.umask(umask);
  try {
    return await fn();
  } finally {
    process.umask(previous);
  }
}

describe("writeSecretFileAtomically", () => {
  it("creates the file with mode 0600 even with umask 000, with exactly the bytes given", async () => {
    const target = path.join(dir, "duo-t6.txt");
    await withUmask(0o000, () => writeSecretFileAtomically(target, "a,0011\n"));
    expect(mode(target)).toBe(0o600);
    expect(readFileSync(target, "utf8")).toBe("a,0011\n");
    expect(listing(dir)).toEqual(["duo-t6.txt"]); // no temporary file left
  });

  it("accepts bytes as well as text", async () => {
    const target = path.join(dir, "bytes.bin");
    await writeSecretFileAtomically(target, Uint8Array.from([0, 1, 2, 255]));
    expect([...readFileSync(target)]).toEqual([0, 1, 2, 255]);
  });

  it("refuses to overwrite an existing file unless asked, leaving it untouched", async () => {
    const target = path.join(dir, "existing.csv");
    writeFileSync(target, "old", { mode: 0o600 });
    const error = await writeSecretFileAtomically(target, "new").catch((e) => e);
    expect(error).toBeInstanceOf(SecretFileError);
    expect(error.message).toMatch(/existing\.csv already exists.*Nothing was written.*new file name/);
    expect(error.code).toBe("EEXIST");
    expect(readFileSync(target, "utf8")).toBe("old");
    expect(listing(dir)).toEqual(["existing.csv"]);

    await writeSecretFileAtomically(target, "new", { overwrite: true });
    expect(readFileSync(target, "utf8")).toBe("new");
    expect(mode(target)).toBe(0o600);
    expect(listing(dir)).toEqual(["existing.csv"]);
  });

  it("replaces a world-readable file by a 0600 one when overwriting", async () => {
    const target = path.join(dir, "loose.txt");
    writeFileSync(target, "old");
    chmodSync(target, 0o644);
    await writeSecretFileAtomically(target, "new", { overwrite: true });
    expect(mode(target)).toBe(0o600);
  });

  it("names a missing directory and what to do", async () => {
    const target = path.join(dir, "no-such-dir", "out.txt");
    const error = await writeSecretFileAtomically(target, "x").catch((e) => e);
    expect(error).toBeInstanceOf(SecretFileError);
    expect(error.code).toBe("ENOENT");
    expect(error.message).toContain(path.join(dir, "no-such-dir"));
    expect(error.message).toMatch(/does not exist\. Create it first/);
    expect(listing(dir)).toEqual([]);
  });

  it("names a path through a file (ENOTDIR)", async () => {
    writeFileSync(path.join(dir, "plain"), "");
    const error = await writeSecretFileAtomically(path.join(dir, "plain", "out.txt"), "x").catch((e) => e);
    expect(error.code).toBe("ENOTDIR");
    expect(error.message).toMatch(/is a file, not a directory/);
    expect(listing(dir)).toEqual(["plain"]);
  });

  const blocked = nobodyCannotRun();
  (blocked === "" ? it : it.skip)(`names an unwritable directory (EACCES) and what to do${blocked === "" ? "" : `: skipped, ${blocked}`}`, async () => {
    const locked = path.join(dir, "locked");
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    chmodSync(dir, 0o755);
    const target = path.join(locked, "out.txt");
    // root writes anywhere: then the writer runs in a child process as user "nobody".
    const error = process.getuid?.() === 0 ? runAsNobody(target) : await writeSecretFileAtomically(target, "x").catch((e) => e);
    chmodSync(locked, 0o700);
    expect(error.name).toBe("SecretFileError");
    expect(error.code).toBe("EACCES");
    expect(error.message).toMatch(/permission denied in .*locked\. Choose a directory you can write to/);
    expect(listing(locked)).toEqual([]);
  });

  it("removes its temporary file when the final step fails (target is a directory)", async () => {
    const target = path.join(dir, "a-directory");
    mkdirSync(target);
    const error = await writeSecretFileAtomically(target, "x", { overwrite: true }).catch((e) => e);
    expect(error).toBeInstanceOf(SecretFileError);
    expect(error.message).toContain(target);
    expect(listing(dir)).toEqual(["a-directory"]);
    expect(listing(target)).toEqual([]);
  });
});

describe("appendSecretLine", () => {
  it("creates the file 0600 (umask 000), writes the header once, then one line per call", async () => {
    const target = path.join(dir, "batch.csv");
    await withUmask(0o000, async () => {
      await appendSecretLine(target, "a,1", { header: "upn,serial", lineEnd: "\r\n" });
      await appendSecretLine(target, "b,2", { header: "upn,serial", lineEnd: "\r\n" });
    });
    expect(mode(target)).toBe(0o600);
    expect(readFileSync(target, "utf8")).toBe("upn,serial\r\na,1\r\nb,2\r\n");
  });

  it("appends plain lines ending in \\n by default", async () => {
    const target = path.join(dir, "duo.txt");
    await appendSecretLine(target, "S1,00");
    await appendSecretLine(target, "S2,11");
    expect(readFileSync(target, "utf8")).toBe("S1,00\nS2,11\n");
  });

  it("refuses a file others can read, and one whose last line is incomplete, changing nothing", async () => {
    const loose = path.join(dir, "loose.txt");
    writeFileSync(loose, "S1,00\n");
    chmodSync(loose, 0o644);
    await expect(appendSecretLine(loose, "S2,11")).rejects.toThrow(/mode 0644, so others can read.*chmod 600/);
    expect(readFileSync(loose, "utf8")).toBe("S1,00\n");

    const torn = path.join(dir, "torn.txt");
    writeFileSync(torn, "S1,00\nS2,1", { mode: 0o600 });
    await expect(appendSecretLine(torn, "S3,22")).rejects.toThrow(/last line is incomplete/);
    expect(readFileSync(torn, "utf8")).toBe("S1,00\nS2,1");
  });

  it("refuses a line with a line break, and names a missing directory", async () => {
    await expect(appendSecretLine(path.join(dir, "x.txt"), "a\nb")).rejects.toThrow(/line break/);
    const error = await appendSecretLine(path.join(dir, "nope", "x.txt"), "a").catch((e) => e);
    expect(error.code).toBe("ENOENT");
    expect(error.message).toMatch(/does not exist/);
    expect(listing(dir)).toEqual([]);
  });
});
