// Test-only preload (node --import): sends every HTTPS connection this process makes to
// TOKENSMITH_TEST_HTTPS_TARGET (HOST:PORT, a local fake service) and trusts only the throwaway
// CA in TOKENSMITH_TEST_HTTPS_CA there. The request keeps its Host header and TLS server name,
// so the fake sees what the real service would, and the certificate is still checked: only
// the address and the trusted CA change. Without both variables it does nothing.
import https from "node:https";
import { readFileSync } from "node:fs";

/** Redirects this process's HTTPS connections (through https.globalAgent) to target. */
export function redirectHttps(target, caFile) {
  const colon = target.lastIndexOf(":");
  const host = target.slice(0, colon);
  const port = Number(target.slice(colon + 1));
  const ca = readFileSync(caFile);
  class RedirectingAgent extends https.Agent {
    createConnection(options, callback) {
      return super.createConnection({ ...options, host, port, ca }, callback);
    }
  }
  const previous = https.globalAgent;
  https.globalAgent = new RedirectingAgent({ keepAlive: false });
  return () => {
    https.globalAgent = previous;
  };
}

const target = process.env.TOKENSMITH_TEST_HTTPS_TARGET;
const caFile = process.env.TOKENSMITH_TEST_HTTPS_CA;
if (target && caFile) redirectHttps(target, caFile);
