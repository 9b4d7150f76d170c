/**
 * The few Duo Admin API calls tokensmith makes, through Duo's official client
 * (@duosecurity/duo_api), which signs each request (HMAC-SHA512 over the canonical request,
 * signature version 2), pins Duo's certificate authorities and retries HTTP 429 with backoff.
 *
 * Duo answers `{"stat":"OK","response":...}` or `{"stat":"FAIL","code":40002,"message":...,
 * "message_detail":...}`; the client turns a failed connection into `{"stat":"ERROR",...}`.
 * Every failure becomes a DuoApiError carrying Duo's code. Nothing here logs; the secret key and
 * the token secrets never appear in an error.
 */
import type duoApi from "@duosecurity/duo_api";
import type { DuoTokenType } from "../export/duo.js";
import { DUO_CODE, DuoApiError, InputError } from "../errors.js";

export interface DuoCredentials {
  /** The Admin API application's integration key (DI...). */
  integrationKey: string;
  /** Its secret key: from the environment, a prompt or the escrow, never argv. */
  secretKey: string;
  /** Its API hostname, api-XXXXXXXX.duosecurity.com. */
  apiHost: string;
}

export { DUO_CODE, DuoApiError };

export interface DuoUserRef {
  userId: string;
  username: string;
}

export interface DuoAdminRef {
  adminId: string;
  email: string;
}

export interface DuoToken {
  tokenId: string;
  type: string;
  serial: string;
  totpStep: number | null;
  users: DuoUserRef[];
  admins: DuoAdminRef[];
}

export interface NewDuoToken {
  type: DuoTokenType;
  serial: string;
  secretHex: string;
  /** TOTP: 30 or 60 (sent only for 60, Duo's default being 30). */
  totpStep?: number;
  /** HOTP: the counter the token's next code uses. */
  counter?: number;
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** The API hostname as Duo's client needs it (a bare name: no scheme, port or path). */
export function checkApiHost(apiHost: string): string {
  const bare = apiHost.trim();
  if (!HOSTNAME.test(bare)) {
    throw new InputError(`${JSON.stringify(apiHost)} is not a Duo API hostname: give the bare name from the Admin API application's page, like api-1a2b3c4d.duosecurity.com (no https://, no path)`);
  }
  return bare.toLowerCase();
}

/** A Duo integration key: 20 upper-case letters and digits, starting DI. */
export function checkIntegrationKey(integrationKey: string): string {
  const key = integrationKey.trim();
  if (!/^DI[A-Z0-9]{18}$/.test(key)) throw new InputError(`the integration key ${JSON.stringify(key)} is not one: Duo's are 20 characters starting with DI (the Admin API application's page shows it)`);
  return key;
}

interface RawToken {
  token_id: string;
  type: string;
  serial: string;
  totp_step?: number | null;
  users?: Array<{ user_id: string; username: string }>;
  admins?: Array<{ admin_id: string; email: string }>;
}

const toToken = (raw: RawToken): DuoToken => ({
  tokenId: raw.token_id,
  type: raw.type,
  serial: raw.serial,
  totpStep: raw.totp_step ?? null,
  users: (raw.users ?? []).map((u) => ({ userId: u.user_id, username: u.username })),
  admins: (raw.admins ?? []).map((a) => ({ adminId: a.admin_id, email: a.email })),
});

export class DuoAdminApi {
  readonly apiHost: string;
  private client: InstanceType<typeof duoApi.Client> | null = null;
  private readonly signing: { integrationKey: string; secretKey: string };
  /** Requests sent (for throughput figures). */
  requests = 0;

  constructor(credentials: DuoCredentials) {
    this.apiHost = checkApiHost(credentials.apiHost);
    const integrationKey = checkIntegrationKey(credentials.integrationKey);
    if (!credentials.secretKey) throw new InputError("no Duo secret key given");
    this.signing = { integrationKey, secretKey: credentials.secretKey };
  }

  /** The hardware token of this type and serial, or null (GET /admin/v1/tokens). */
  async findToken(type: DuoTokenType, serial: string): Promise<DuoToken | null> {
    const found = (await this.call("GET", "/admin/v1/tokens", { type, serial }, `looking up ${serial}`)) as RawToken[];
    return found.length > 0 ? toToken(found[0]) : null;
  }

  /** Creates the token (POST /admin/v1/tokens); Duo answers with it, token_id included. */
  async createToken(token: NewDuoToken): Promise<DuoToken> {
    const params: Record<string, string> = { type: token.type, serial: token.serial, secret: token.secretHex };
    if (token.totpStep !== undefined && token.totpStep !== 30) params.totp_step = String(token.totpStep);
    if (token.counter !== undefined) params.counter = String(token.counter);
    return toToken((await this.call("POST", "/admin/v1/tokens", params, `creating ${token.serial}`)) as RawToken);
  }

  /** The user with this username, or null (GET /admin/v1/users?username=). */
  async findUser(username: string): Promise<DuoUserRef | null> {
    const found = (await this.call("GET", "/admin/v1/users", { username }, `looking up the user ${username}`)) as Array<{ user_id: string; username: string }>;
    return found.length > 0 ? { userId: found[0].user_id, username: found[0].username } : null;
  }

  /** Attaches a token to a user (POST /admin/v1/users/USER_ID/tokens). */
  async attachToken(user: DuoUserRef, tokenId: string, serial: string): Promise<void> {
    await this.call("POST", `/admin/v1/users/${encodeURIComponent(user.userId)}/tokens`, { token_id: tokenId }, `attaching ${serial} to ${user.username}`);
  }

  private async call(method: "GET" | "POST", path: string, params: Record<string, string>, doing: string): Promise<unknown> {
    if (!this.client) {
      // Loaded at the first request, not whenever tokensmith starts.
      const { default: duo } = await import("@duosecurity/duo_api");
      this.client = new duo.Client(this.signing.integrationKey, this.signing.secretKey, this.apiHost, duo.SIGNATURE_VERSION_2);
    }
    const client = this.client;
    this.requests++;
    return new Promise((resolve, reject) => {
      client.apiCall(method, path, params, (body: string) => {
        let answer: { stat?: string; response?: unknown; code?: number; message?: string; message_detail?: string };
        try {
          answer = JSON.parse(body);
        } catch {
          reject(new DuoApiError(`${doing}: ${this.apiHost} did not answer as Duo's Admin API does (not JSON): is the API hostname right? Nothing more was sent`, 0));
          return;
        }
        if (answer?.stat === "OK") {
          resolve(answer.response);
          return;
        }
        reject(duoFailure(doing, this.apiHost, answer));
      });
    });
  }
}

function duoFailure(doing: string, apiHost: string, answer: { stat?: string; code?: number; message?: string; message_detail?: string }): DuoApiError {
  if (answer?.stat === "ERROR") return new DuoApiError(`${doing}: cannot reach ${apiHost} (${answer.message ?? "no answer"}): check the API hostname and the network, then run the same command again`, 0);
  const code = typeof answer?.code === "number" ? answer.code : 0;
  const said = `Duo ${code || "?"}: ${answer?.message ?? "refused"}${answer?.message_detail ? ` (${answer.message_detail})` : ""}`;
  const advice =
    code === DUO_CODE.rateLimited
      ? "Duo's rate limit held after the client's backoff (up to a minute): what is done is recorded; run the same command again later to go on"
      : Math.floor(code / 100) === 401
        ? "check the integration key and secret key of the Admin API application (and that the host clock is right: Duo refuses requests dated more than a few minutes off)"
        : code === DUO_CODE.forbidden
          ? 'the Admin API application lacks a permission: tick "Grant read resource" and "Grant write resource" on its page in the Admin Panel (tokens and users are resources)'
          : "";
  return new DuoApiError(`${doing}: ${said}${advice ? ": " + advice : ""}`, code);
}
