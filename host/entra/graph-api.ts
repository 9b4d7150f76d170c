/**
 * The Microsoft Graph calls `entra push` makes, on the BETA endpoint (hardware OATH devices
 * exist only there; Microsoft says beta APIs may change and are not supported in production).
 *
 * Sign-in: @azure/identity's ClientSecretCredential (an app registration's client
 * credentials; it caches and renews the token). Requests: Node's own fetch, not
 * @microsoft/microsoft-graph-client: we make five plain JSON calls, and the Graph client would
 * add a dependency and a middleware chain for what one function (`request`) does here: the
 * bearer token, JSON, paging by @odata.nextLink, and backing off on 429/503 as Retry-After says.
 *
 * Application permissions the app registration needs (admin consent):
 * Policy.ReadWrite.AuthenticationMethod (create hardware OATH devices), User.Read.All (find
 * users by UPN), UserAuthenticationMethod.ReadWrite.All (assign and activate for a user).
 */
import type { ClientSecretCredential } from "@azure/identity";
import { GraphApiError, InputError } from "../errors.js";

export { GraphApiError };

export const DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com";
export const DEFAULT_GRAPH_URL = "https://graph.microsoft.com/beta";
const GRAPH_SCOPE = "https://graph.microsoft.com/.default";

/** Retries of a request Graph throttles (429) or finds busy (503), honouring Retry-After. */
export const GRAPH_RETRIES = 5;
/** The longest wait between two tries, seconds (a longer Retry-After stops the run instead). */
export const GRAPH_MAX_RETRY_AFTER_SECONDS = 60;

export interface EntraCredentials {
  tenantId: string;
  clientId: string;
  /** From the environment, a prompt or the escrow, never argv. */
  clientSecret: string;
  /** The sign-in host (default login.microsoftonline.com). */
  authorityHost?: string;
  /** Graph's beta root (default https://graph.microsoft.com/beta). */
  graphUrl?: string;
}

export interface HardwareOathDevice {
  id: string;
  serialNumber: string;
  manufacturer: string;
  model: string;
  timeIntervalInSeconds: number;
  hashFunction: "hmacsha1" | "hmacsha256";
  /** available, assigned, activated, failedActivation. */
  status: string;
  assignedTo: { id: string; displayName?: string } | null;
}

export interface NewHardwareOathDevice {
  serialNumber: string;
  manufacturer: string;
  model: string;
  secretKeyBase32: string;
  timeIntervalInSeconds: number;
  hashFunction: "hmacsha1" | "hmacsha256";
  /** The user to assign it to in the same request. */
  assignToUserId?: string;
}

export interface GraphUser {
  id: string;
  userPrincipalName: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A tenant: its id (a GUID) or a domain such as contoso.onmicrosoft.com. */
export function checkTenant(tenant: string): string {
  const t = tenant.trim();
  if (!GUID.test(t) && !/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(t)) throw new InputError(`${JSON.stringify(tenant)} is not a tenant: give its id (a GUID) or a domain like contoso.onmicrosoft.com`);
  return t;
}

export function checkClientId(clientId: string): string {
  const id = clientId.trim();
  if (!GUID.test(id)) throw new InputError(`the client id ${JSON.stringify(clientId)} is not one: it is the app registration's "Application (client) ID", a GUID`);
  return id;
}

function checkHttpsUrl(url: string, what: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InputError(`${what} ${JSON.stringify(url)} is not a URL`);
  }
  if (parsed.protocol !== "https:") throw new InputError(`${what} must be https:// (the client secret and seeds cross it)`);
  return parsed.toString().replace(/\/$/, "");
}

interface Answer {
  status: number;
  body: unknown;
}

export class GraphApi {
  readonly tenantId: string;
  readonly graphUrl: string;
  private credential: ClientSecretCredential | null = null;
  private readonly signIn: { clientId: string; clientSecret: string; authorityHost: string };
  /** Requests sent (for throughput figures), and waits for Retry-After. */
  requests = 0;
  throttled = 0;
  /** How a wait is done (tests may count instead of sleeping). */
  sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

  constructor(credentials: EntraCredentials) {
    this.tenantId = checkTenant(credentials.tenantId);
    const clientId = checkClientId(credentials.clientId);
    if (!credentials.clientSecret) throw new InputError("no client secret given");
    const authorityHost = checkHttpsUrl(credentials.authorityHost ?? DEFAULT_AUTHORITY_HOST, "the authority host");
    this.graphUrl = checkHttpsUrl(credentials.graphUrl ?? DEFAULT_GRAPH_URL, "the Graph URL");
    this.signIn = { clientId, clientSecret: credentials.clientSecret, authorityHost };
  }

  /** Every hardware OATH device in the tenant (GET .../hardwareOathDevices, all pages). */
  async listDevices(): Promise<HardwareOathDevice[]> {
    const devices: HardwareOathDevice[] = [];
    let url: string | undefined = `${this.graphUrl}/directory/authenticationMethodDevices/hardwareOathDevices`;
    while (url) {
      const page = (await this.request("GET", url, undefined, "listing the tenant's hardware OATH tokens")).body as { value: HardwareOathDevice[]; "@odata.nextLink"?: string };
      devices.push(...page.value);
      url = page["@odata.nextLink"];
    }
    return devices;
  }

  /** Creates a device, assigned to a user when one is given (POST .../hardwareOathDevices). */
  async createDevice(device: NewHardwareOathDevice): Promise<HardwareOathDevice> {
    const body: Record<string, unknown> = {
      serialNumber: device.serialNumber,
      manufacturer: device.manufacturer,
      model: device.model,
      secretKey: device.secretKeyBase32,
      timeIntervalInSeconds: device.timeIntervalInSeconds,
      hashFunction: device.hashFunction,
    };
    if (device.assignToUserId) body.assignTo = { id: device.assignToUserId };
    return (await this.request("POST", `${this.graphUrl}/directory/authenticationMethodDevices/hardwareOathDevices`, body, `creating ${device.serialNumber}`)).body as HardwareOathDevice;
  }

  /** The user with this UPN, or null (GET /users/UPN). */
  async findUser(upn: string): Promise<GraphUser | null> {
    try {
      const answer = await this.request("GET", `${this.graphUrl}/users/${encodeURIComponent(upn)}?$select=id,userPrincipalName`, undefined, `looking up ${upn}`);
      return answer.body as GraphUser;
    } catch (error) {
      if (error instanceof GraphApiError && error.status === 404) return null;
      throw error;
    }
  }

  /** Assigns an existing device to a user (POST /users/ID/authentication/hardwareOathMethods). */
  async assign(user: GraphUser, deviceId: string, serial: string): Promise<void> {
    await this.request("POST", `${this.graphUrl}/users/${encodeURIComponent(user.id)}/authentication/hardwareOathMethods`, { device: { id: deviceId } }, `assigning ${serial} to ${user.userPrincipalName}`);
  }

  /** Activates a user's device with a code it shows now (POST .../hardwareOathMethods/ID/activate). */
  async activate(user: GraphUser, deviceId: string, verificationCode: string, serial: string): Promise<void> {
    await this.request(
      "POST",
      `${this.graphUrl}/users/${encodeURIComponent(user.id)}/authentication/hardwareOathMethods/${encodeURIComponent(deviceId)}/activate`,
      { verificationCode },
      `activating ${serial} for ${user.userPrincipalName}`,
    );
  }

  private async bearer(doing: string): Promise<string> {
    if (!this.credential) {
      // Loaded here, not at start: it costs every tokensmith command a quarter of a second and 24 MiB.
      const { ClientSecretCredential } = await import("@azure/identity");
      const { clientId, clientSecret, authorityHost } = this.signIn;
      this.credential = new ClientSecretCredential(this.tenantId, clientId, clientSecret, {
        authorityHost,
        // Instance discovery asks login.microsoftonline.com about the authority; a sovereign
        // cloud or a test authority answers for itself.
        disableInstanceDiscovery: authorityHost !== DEFAULT_AUTHORITY_HOST,
      });
    }
    try {
      const token = await this.credential.getToken(GRAPH_SCOPE);
      return token.token;
    } catch (error) {
      // The identity library's messages name the AADSTS code; they never carry the secret.
      const said = ((error as Error).message ?? String(error)).split("\n")[0];
      throw new GraphApiError(`${doing}: signing in to tenant ${this.tenantId} failed (${said}): check the tenant, the client id and the client secret (and that the secret has not expired)`, 401, "signInFailed");
    }
  }

  private async request(method: "GET" | "POST", url: string, body: unknown, doing: string): Promise<Answer> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.bearer(doing);
      this.requests++;
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers: { Authorization: `Bearer ${token}`, Accept: "application/json", ...(body !== undefined ? { "Content-Type": "application/json" } : {}) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        throw new GraphApiError(`${doing}: cannot reach ${new URL(url).host} (${cause?.code ?? cause?.message ?? (error as Error).message}): check the network, then run the same command again`, 0, "unreachable");
      }
      const text = await response.text();
      let parsed: unknown = null;
      if (text) {
        try {
          parsed = JSON.parse(text);
        } catch {
          throw new GraphApiError(`${doing}: ${new URL(url).host} answered HTTP ${response.status} with something that is not Graph's JSON: is the Graph URL right?`, response.status, "notGraph");
        }
      }
      if (response.ok) return { status: response.status, body: parsed };
      if ((response.status === 429 || response.status === 503) && attempt < GRAPH_RETRIES) {
        const after = Number(response.headers.get("retry-after") ?? "");
        const seconds = Number.isFinite(after) && after >= 0 ? after : 2 ** attempt;
        if (seconds <= GRAPH_MAX_RETRY_AFTER_SECONDS) {
          this.throttled++;
          await this.sleep(seconds * 1000);
          continue;
        }
      }
      const error = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
      throw new GraphApiError(`${doing}: Graph answered HTTP ${response.status} ${error?.code ?? ""}: ${error?.message ?? "no message"}${adviceFor(response.status)}`, response.status, error?.code ?? "");
    }
  }
}

function adviceFor(status: number): string {
  if (status === 401) return ": the sign-in token was refused; check the app registration";
  if (status === 403) return ": the app registration lacks a permission: grant Policy.ReadWrite.AuthenticationMethod, User.Read.All and UserAuthenticationMethod.ReadWrite.All (application) with admin consent";
  if (status === 429 || status === 503) return ": Graph kept throttling after the retries; what is done is recorded, run the same command again later";
  return "";
}
