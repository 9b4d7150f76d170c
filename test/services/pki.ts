/** Throwaway TLS for the local fakes of Duo and Microsoft: a CA and one server certificate. */
import { execFileSync } from "node:child_process";
import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
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

/** A local HTTPS server with this PKI's certificate; the handler gets each request's whole body. */
export class LocalHttpsServer {
  private server: https.Server | null = null;

  constructor(
    private readonly pki: TestPki,
    private readonly handle: (req: IncomingMessage, res: ServerResponse, body: string) => void,
  ) {}

  /** Listens on 127.0.0.1 and a free port, which it returns. */
  async start(): Promise<number> {
    const server = https.createServer({ key: this.pki.key, cert: this.pki.cert }, (req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => this.handle(req, res, body));
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
