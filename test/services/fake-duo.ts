/**
 * A local fake of Duo's Admin API for the calls tokensmith makes, over HTTPS with a throwaway
 * certificate authority (pki.ts).
 *
 * It checks every request's signature the way Duo documents signature version 2, written here
 * from the documentation and not from the client: the canonical request is the Date header,
 * the upper-case method, the lower-case host, the path and the parameters (sorted by name,
 * each name and value percent-encoded as RFC 3986 unreserved characters allow), joined by
 * newlines; the signature is its HMAC-SHA512 under the secret key, in hex, sent as HTTP Basic
 * credentials integration_key:signature. A Date more than five minutes off is refused too.
 *
 * It behaves like Duo where tokensmith depends on it: a (type, serial) pair is unique, a bad
 * type or secret is refused with 40002, a duplicate with 40003, an unknown user with an empty
 * list, a bad signature with 401 (40103), and it can answer 429 (42901), limit the request
 * rate, or apply a create and then drop the connection (Duo did it, the answer was lost).
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { LocalHttpsServer, type TestPki } from "./pki.js";

export const FAKE_DUO_HOST = "api-fake.duo.test";

export interface FakeUser {
  user_id: string;
  username: string;
}

export interface FakeToken {
  token_id: string;
  type: string;
  serial: string;
  secret: string;
  totp_step: number | null;
  counter: number | null;
  users: string[];
}

export interface LoggedRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  status: number;
}

/** RFC 3986 percent-encoding of everything but the unreserved characters. */
function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

/** Duo's canonical parameter string: sorted by name (then value), name=value joined by &. */
export function canonicalParams(params: Array<[string, string]>): string {
  return [...params]
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => rfc3986(k) + "=" + rfc3986(v))
    .join("&");
}

const MAX_CLOCK_SKEW_MS = 5 * 60_000;
const TYPES = new Set(["t6", "t8", "h6", "h8"]);

export class FakeDuo {
  readonly integrationKey = "DI" + randomBytes(9).toString("hex").toUpperCase();
  readonly secretKey = randomBytes(20).toString("hex");
  readonly host = FAKE_DUO_HOST;
  readonly users = new Map<string, FakeUser>();
  readonly tokens = new Map<string, FakeToken>();
  readonly log: LoggedRequest[] = [];
  /** Answer the next n requests with 429. */
  rateLimitNext = 0;
  /** At most this many requests per second (a token bucket); 0: no limit. */
  requestsPerSecond = 0;
  /** Apply the create after this many more creates, then drop the connection without answering. */
  dropAnswerAfterCreates: number | null = null;
  /** Refuse every signed request with 403 (the Admin API application lacks a permission). */
  forbidden = false;
  /** Answer every request with an HTML error page (a proxy or an outage). */
  outage = false;
  private readonly server: LocalHttpsServer;
  private bucket = { tokens: 0, at: 0 };
  private nextId = 1;

  constructor(pki: TestPki) {
    this.server = new LocalHttpsServer(pki, (req, res, body) => this.handle(req, res, body));
  }

  addUser(username: string): FakeUser {
    const user = { user_id: "DU" + String(this.nextId++).padStart(18, "0"), username };
    this.users.set(user.user_id, user);
    return user;
  }

  /** The token Duo holds for (type, serial), if any. */
  token(type: string, serial: string): FakeToken | undefined {
    return [...this.tokens.values()].find((t) => t.type === type && t.serial === serial);
  }

  start(): Promise<number> {
    return this.server.start();
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  private handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const url = new URL(req.url ?? "/", "https://" + this.host);
    const method = req.method ?? "GET";
    const pairs: Array<[string, string]> = method === "GET" ? [...url.searchParams] : [...new URLSearchParams(body)];
    const params = Object.fromEntries(pairs);
    const answer = (status: number, payload: unknown) => {
      this.log.push({ method, path: url.pathname, params, status });
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(payload));
    };
    const fail = (status: number, code: number, message: string, detail?: string) => answer(status, { stat: "FAIL", code, message, ...(detail ? { message_detail: detail } : {}) });

    if (this.outage) {
      this.log.push({ method, path: url.pathname, params, status: 502 });
      res.writeHead(502, { "Content-Type": "text/html" });
      res.end("<html><body>502 Bad Gateway</body></html>");
      return;
    }
    const authProblem = this.checkSignature(req, method, url.pathname, pairs);
    if (authProblem) return fail(401, authProblem.code, authProblem.message);
    if (this.forbidden) return fail(403, 40301, "Access forbidden");
    if (this.rateLimitNext > 0 || !this.takeFromBucket()) {
      if (this.rateLimitNext > 0) this.rateLimitNext--;
      return fail(429, 42901, "Too Many Requests");
    }

    const route = `${method} ${url.pathname}`;
    if (route === "GET /admin/v1/tokens") {
      if (!params.type !== !params.serial) return fail(400, 40002, "Invalid request parameters", params.type ? "serial" : "type");
      const list = params.type ? [this.token(params.type, params.serial)].filter((t): t is FakeToken => t !== undefined) : [...this.tokens.values()];
      return answer(200, { stat: "OK", response: list.map((t) => this.view(t)) });
    }
    if (route === "POST /admin/v1/tokens") {
      if (!TYPES.has(params.type)) return fail(400, 40002, "Invalid request parameters", "type");
      if (!params.serial) return fail(400, 40002, "Invalid request parameters", "serial");
      if (!/^[0-9a-fA-F]+$/.test(params.secret ?? "") || params.secret.length % 2 !== 0) return fail(400, 40002, "Invalid request parameters", "secret");
      const totp = params.type.startsWith("t");
      if (params.totp_step !== undefined && (!totp || !["30", "60"].includes(params.totp_step))) return fail(400, 40002, "Invalid request parameters", "totp_step");
      if (params.counter !== undefined && (totp || !/^\d+$/.test(params.counter))) return fail(400, 40002, "Invalid request parameters", "counter");
      if (this.token(params.type, params.serial)) return fail(400, 40003, "Duplicate resource", "serial");
      const token: FakeToken = {
        token_id: "DH" + String(this.nextId++).padStart(18, "0"),
        type: params.type,
        serial: params.serial,
        secret: params.secret.toLowerCase(),
        totp_step: totp ? Number(params.totp_step ?? 30) : null,
        counter: totp ? null : Number(params.counter ?? 0),
        users: [],
      };
      this.tokens.set(token.token_id, token);
      if (this.dropAnswerAfterCreates !== null && this.dropAnswerAfterCreates-- <= 0) {
        this.dropAnswerAfterCreates = null;
        this.log.push({ method, path: url.pathname, params, status: 0 });
        req.socket.destroy();
        return;
      }
      return answer(200, { stat: "OK", response: this.view(token) });
    }
    if (route === "GET /admin/v1/users") {
      const list = [...this.users.values()].filter((u) => params.username === undefined || u.username.toLowerCase() === params.username.toLowerCase());
      return answer(200, { stat: "OK", response: list });
    }
    const attach = /^\/admin\/v1\/users\/([^/]+)\/tokens$/.exec(url.pathname);
    if (method === "POST" && attach) {
      const user = this.users.get(decodeURIComponent(attach[1]));
      if (!user) return fail(404, 40401, "Resource not found", "user_id");
      const token = this.tokens.get(params.token_id ?? "");
      if (!token) return fail(400, 40002, "Invalid request parameters", "token_id");
      if (!token.users.includes(user.user_id)) token.users.push(user.user_id);
      return answer(200, { stat: "OK", response: "" });
    }
    return fail(404, 40401, "Resource not found");
  }

  private view(token: FakeToken) {
    // What Duo returns: never the secret.
    return {
      token_id: token.token_id,
      type: token.type,
      serial: token.serial,
      totp_step: token.totp_step,
      admins: [],
      users: token.users.map((id) => this.users.get(id)!),
    };
  }

  private checkSignature(req: IncomingMessage, method: string, pathname: string, pairs: Array<[string, string]>): { code: number; message: string } | null {
    const date = req.headers["date"];
    const auth = req.headers["authorization"];
    const host = req.headers["host"];
    if (!date || !auth || !host) return { code: 40101, message: "Missing request credentials" };
    if (!(Math.abs(Date.parse(date) - Date.now()) <= MAX_CLOCK_SKEW_MS)) return { code: 40105, message: "Request date out of range" };
    const basic = /^Basic (.+)$/.exec(auth);
    if (!basic) return { code: 40101, message: "Missing request credentials" };
    const decoded = Buffer.from(basic[1], "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0 || decoded.slice(0, colon) !== this.integrationKey) return { code: 40101, message: "Invalid integration key in request credentials" };
    const canonical = [date, method.toUpperCase(), host.toLowerCase(), pathname, canonicalParams(pairs)].join("\n");
    const expected = Buffer.from(createHmac("sha512", this.secretKey).update(canonical).digest("hex"));
    const given = Buffer.from(decoded.slice(colon + 1));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { code: 40103, message: "Invalid signature in request credentials" };
    return null;
  }

  private takeFromBucket(): boolean {
    if (this.requestsPerSecond <= 0) return true;
    const now = Date.now();
    this.bucket.tokens = Math.min(this.requestsPerSecond, this.bucket.tokens + ((now - this.bucket.at) / 1000) * this.requestsPerSecond);
    this.bucket.at = now;
    if (this.bucket.tokens < 1) return false;
    this.bucket.tokens -= 1;
    return true;
  }
}

