/** Throwaway TLS for the local fakes of Duo and Microsoft: a CA and one server certificate. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export interface TestPki {
  dir: string;
  caFile: string;
  key: Buffer;
  cert: Buffer;
  ca: Buffer;
}

/** A throwaway CA and a server certificate for these DNS names (and 127.0.0.1), made with openssl. */
export function makeTestPki(...hostnames: string[]): TestPki {
  const dir = mkdtempSync(path.join(os.tmpdir(), "tokensmith-pki-"));
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=tokensmith test CA");
  run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", `/CN=${hostnames[0]}`);
  writeFileSync(path.join(dir, "san.ext"), `subjectAltName=${[...hostnames.map((h) => "DNS:" + h), "IP:127.0.0.1"].join(",")}\n`);
  run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "san.ext");
  return {
    dir,
    caFile: path.join(dir, "ca.crt"),
    key: readFileSync(path.join(dir, "server.key")),
    cert: readFileSync(path.join(dir, "server.crt")),
    ca: readFileSync(path.join(dir, "ca.crt")),
  };
}

export function removePki(pki: TestPki): void {
  rmSync(pki.dir, { recursive: true, force: true });
}
