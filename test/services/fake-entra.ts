/**
 * A local fake of Microsoft's sign-in service and of Graph's beta hardware OATH API, over HTTPS
 * with a throwaway CA (pki.ts; a client trusts it through NODE_EXTRA_CA_CERTS).
 *
 * Sign-in: the OpenID configuration and the v2.0 token endpoint, client-credentials grant only;
 * a wrong client id or secret gets AADSTS7000215 as Microsoft answers it. Graph: every request
 * must carry a bearer token this fake issued; bodies are checked field by field; a serial
 * number already in the tenant is refused (409); activation codes are checked against the
 * fake's own TOTP computation (node:crypto, a step either side), as Entra does; it can
 * throttle (429 with Retry-After: the next n requests, or over a rate) and pages device lists
 * (@odata.nextLink).
 */
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { LocalHttpsServer, type TestPki } from "./pki.js";

export interface FakeGraphUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
}

export interface FakeDevice {
  id: string;
  serialNumber: string;
  manufacturer: string;
  model: string;
  secretKey: string;
  timeIntervalInSeconds: number;
  hashFunction: "hmacsha1" | "hmacsha256";
  status: "available" | "assigned" | "activated";
  assignedTo: string | null;
}

export interface GraphLogEntry {
  method: string;
  path: string;
  status: number;
  body: string;
}

const PAGE_SIZE = 2;

function base32Decode(text: string): Buffer {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const c of text) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 with 6 digits, written here (not the product's code, not otplib). */
export function fakeTotp(secret: Buffer, unixSeconds: number, period: number, hash: "sha1" | "sha256"): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / period)));
  const mac = createHmac(hash, secret).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, "0");
}

export class FakeEntra {
  readonly tenantId = randomUUID();
  readonly clientId = randomUUID();
  readonly clientSecret = "fake~" + randomBytes(18).toString("base64url");
  readonly users = new Map<string, FakeGraphUser>();
  readonly devices = new Map<string, FakeDevice>();
  readonly log: GraphLogEntry[] = [];
  /** Answer the next n Graph requests with 429 and this Retry-After (seconds). */
  throttleNext = 0;
  retryAfterSeconds = 1;
  /** Refuse every Graph request with 403 (the app registration lacks its permissions). */
  forbidden = false;
  /** At most this many Graph requests in any one second (more: 429); 0: no limit. */
  requestsPerSecond = 0;
  private window = { second: 0, used: 0 };
  /** Activation codes tried, and whether they were right. */
  readonly activations: Array<{ serial: string; code: string; accepted: boolean }> = [];
  private readonly issued = new Set<string>();
  private readonly server: LocalHttpsServer;
  port = 0;

  constructor(pki: TestPki) {
    this.server = new LocalHttpsServer(pki, (req, res, body) => this.handle(req, res, body));
  }

  get authorityHost(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  get graphUrl(): string {
    return `https://127.0.0.1:${this.port}/beta`;
  }

  addUser(upn: string): FakeGraphUser {
    const user = { id: randomUUID(), userPrincipalName: upn, displayName: upn.split("@")[0] };
    this.users.set(user.id, user);
    return user;
  }

  deviceBySerial(serial: string): FakeDevice | undefined {
    return [...this.devices.values()].find((d) => d.serialNumber === serial);
  }

  async start(): Promise<number> {
    this.port = await this.server.start();
    return this.port;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  private handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const url = new URL(req.url ?? "/", this.authorityHost);
    const method = req.method ?? "GET";
    const send = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      if (url.pathname.startsWith("/beta/")) this.log.push({ method, path: url.pathname + url.search, status, body });
      res.writeHead(status, { ...(payload !== undefined ? { "Content-Type": "application/json" } : {}), ...headers });
      res.end(payload === undefined ? undefined : JSON.stringify(payload));
    };
    const graphError = (status: number, code: string, message: string) => send(status, { error: { code, message } });

    // ---- sign-in
    if (url.pathname === `/${this.tenantId}/v2.0/.well-known/openid-configuration`) {
      const base = `${this.authorityHost}/${this.tenantId}`;
      return send(200, {
        token_endpoint: `${base}/oauth2/v2.0/token`,
        issuer: `${base}/v2.0`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        jwks_uri: `${this.authorityHost}/keys`,
        response_types_supported: ["code"],
        subject_types_supported: ["pairwise"],
        id_token_signing_alg_values_supported: ["RS256"],
        scopes_supported: ["openid"],
      });
    }
    if (url.pathname === `/${this.tenantId}/oauth2/v2.0/token` && method === "POST") {
      const form = new URLSearchParams(body);
      if (form.get("grant_type") !== "client_credentials" || form.get("scope") !== "https://graph.microsoft.com/.default") {
        return send(400, { error: "invalid_request", error_description: "AADSTS900144: unexpected grant or scope" });
      }
      if (form.get("client_id") !== this.clientId || form.get("client_secret") !== this.clientSecret) {
        return send(401, { error: "invalid_client", error_description: "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID." });
      }
      const token = randomBytes(24).toString("base64url");
      this.issued.add(token);
      return send(200, { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: token });
    }

    // ---- Graph
    if (!url.pathname.startsWith("/beta/")) return send(404, { error: "not_found" });
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (!bearer || !this.issued.has(bearer)) return graphError(401, "InvalidAuthenticationToken", "Access token is empty or invalid.");
    if (this.forbidden) return graphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
    const second = Math.floor(Date.now() / 1000);
    if (this.window.second !== second) this.window = { second, used: 0 };
    const overLimit = this.requestsPerSecond > 0 && ++this.window.used > this.requestsPerSecond;
    if (this.throttleNext > 0 || overLimit) {
      if (!overLimit) this.throttleNext--;
      return send(429, { error: { code: "TooManyRequests", message: "Too many requests" } }, { "Retry-After": String(this.retryAfterSeconds) });
    }
    let json: Record<string, unknown> = {};
    if (method === "POST") {
      try {
        json = JSON.parse(body);
      } catch {
        return graphError(400, "BadRequest", "Unable to read JSON request payload.");
      }
    }
    const path = url.pathname.slice("/beta".length);

    if (path === "/directory/authenticationMethodDevices/hardwareOathDevices") {
      if (method === "GET") {
        const all = [...this.devices.values()];
        const skip = Number(url.searchParams.get("$skiptoken") ?? "0");
        const page = all.slice(skip, skip + PAGE_SIZE).map((d) => this.view(d));
        const next = skip + PAGE_SIZE < all.length ? `${this.graphUrl}${path}?$skiptoken=${skip + PAGE_SIZE}` : undefined;
        return send(200, { value: page, ...(next ? { "@odata.nextLink": next } : {}) });
      }
      const problem = this.deviceProblem(json);
      if (problem) return graphError(400, "badRequest", problem);
      if (this.deviceBySerial(json.serialNumber as string)) return graphError(409, "conflict", `A hardware OATH token with serial number ${json.serialNumber} already exists.`);
      const assignTo = (json.assignTo as { id?: string } | undefined)?.id;
      if (assignTo !== undefined && !this.users.has(assignTo)) return graphError(400, "badRequest", "assignTo: user not found");
      const device: FakeDevice = {
        id: randomUUID(),
        serialNumber: json.serialNumber as string,
        manufacturer: json.manufacturer as string,
        model: json.model as string,
        secretKey: json.secretKey as string,
        timeIntervalInSeconds: Number(json.timeIntervalInSeconds),
        hashFunction: json.hashFunction as FakeDevice["hashFunction"],
        status: assignTo ? "assigned" : "available",
        assignedTo: assignTo ?? null,
      };
      this.devices.set(device.id, device);
      return send(201, this.view(device));
    }
    const userPath = /^\/users\/([^/]+)$/.exec(path);
    if (userPath && method === "GET") {
      const key = decodeURIComponent(userPath[1]).toLowerCase();
      const user = [...this.users.values()].find((u) => u.id === key || u.userPrincipalName.toLowerCase() === key);
      if (!user) return graphError(404, "Request_ResourceNotFound", `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`);
      return send(200, { id: user.id, userPrincipalName: user.userPrincipalName });
    }
    const methods = /^\/users\/([^/]+)\/authentication\/hardwareOathMethods(?:\/([^/]+)\/activate)?$/.exec(path);
    if (methods && method === "POST") {
      const user = this.users.get(decodeURIComponent(methods[1]));
      if (!user) return graphError(404, "Request_ResourceNotFound", "user not found");
      if (methods[2] === undefined) {
        const device = this.devices.get((json.device as { id?: string } | undefined)?.id ?? "");
        if (!device) return graphError(400, "badRequest", "device: not found");
        if (device.assignedTo && device.assignedTo !== user.id) return graphError(400, "badRequest", "The device is assigned to another user.");
        device.assignedTo = user.id;
        if (device.status === "available") device.status = "assigned";
        return send(201, { id: device.id, device: this.view(device) });
      }
      const device = this.devices.get(decodeURIComponent(methods[2]));
      if (!device || device.assignedTo !== user.id) return graphError(404, "Request_ResourceNotFound", "hardware OATH method not found for this user");
      const code = String(json.verificationCode ?? "");
      const now = Date.now() / 1000;
      const secret = base32Decode(device.secretKey);
      const hash = device.hashFunction === "hmacsha256" ? "sha256" : "sha1";
      const accepted = [-1, 0, 1].some((step) => fakeTotp(secret, now + step * device.timeIntervalInSeconds, device.timeIntervalInSeconds, hash) === code);
      this.activations.push({ serial: device.serialNumber, code, accepted });
      if (!accepted) return graphError(400, "badRequest", "Invalid verification code.");
      device.status = "activated";
      return send(204);
    }
    return graphError(404, "UnknownResource", `no route ${method} ${path}`);
  }

  private deviceProblem(json: Record<string, unknown>): string | null {
    for (const field of ["serialNumber", "manufacturer", "model", "secretKey", "hashFunction"]) {
      if (typeof json[field] !== "string" || (json[field] as string).length === 0) return `${field} is required`;
    }
    if (!/^[A-Z2-7]{16,128}$/.test(json.secretKey as string)) return "secretKey must be Base32 (A-Z, 2-7), 16 to 128 characters";
    if (![30, 60].includes(Number(json.timeIntervalInSeconds))) return "timeIntervalInSeconds must be 30 or 60";
    if (!["hmacsha1", "hmacsha256"].includes(json.hashFunction as string)) return "hashFunction must be hmacsha1 or hmacsha256";
    return null;
  }

  private view(device: FakeDevice) {
    // Graph never returns the secret.
    const user = device.assignedTo ? this.users.get(device.assignedTo) : undefined;
    return {
      id: device.id,
      serialNumber: device.serialNumber,
      manufacturer: device.manufacturer,
      model: device.model,
      secretKey: null,
      timeIntervalInSeconds: device.timeIntervalInSeconds,
      hashFunction: device.hashFunction,
      status: device.status,
      assignedTo: user ? { id: user.id, displayName: user.displayName } : null,
    };
  }
}
