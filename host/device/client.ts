/**
 * The host's side of the wire protocol (shared/protocol/PROTOCOL.md): numbered requests,
 * answers matched by sequence number, retries that the token answers from its cache (never
 * running a command twice), and typed helpers for each command.
 */
import { createHmac, randomBytes } from "node:crypto";
import zlib from "node:zlib";
import { addField, decodeFrame, encodeFrame, fieldValue, newFrame, type Frame } from "../../shared/protocol/frame.js";
import { newLineReader, pushChunk } from "../../shared/protocol/line-reader.js";
import { VERIFY_PREFIX, authMessage } from "../../shared/protocol/commands.js";
import { MAX_PROFILES } from "../../firmware/app/settings.js";
import type { Transport } from "../transport/transport.js";
import { InputError, TokenError, NoAnswerError } from "../errors.js";
export { TokenError, NoAnswerError };

const crc32 = (text: string) => zlib.crc32(Buffer.from(text, "latin1")) | 0;

/**
 * The environment variable that lengthens every wait for an answer (a token's frame, the
 * Espruino prompt during install), in milliseconds: for slow links, such as a serial port
 * bridged over a network, or a busy machine. Unset: each wait keeps its own default.
 */
export const ANSWER_TIMEOUT_ENV = "TOKENSMITH_ANSWER_TIMEOUT_MS";

/** `fallback`, or the wait TOKENSMITH_ANSWER_TIMEOUT_MS sets (whole ms, 1 to 600000). */
export function answerTimeoutMs(fallback: number): number {
  const text = process.env[ANSWER_TIMEOUT_ENV];
  if (text === undefined || text === "") return fallback;
  const ms = Number(text);
  if (!Number.isInteger(ms) || ms < 1 || ms > 600_000) {
    throw new InputError(`${ANSWER_TIMEOUT_ENV}=${JSON.stringify(text)}: give whole milliseconds, 1 to 600000`);
  }
  return ms;
}

export interface ClientOptions {
  /** How long to wait for each answer. */
  timeoutMs?: number;
  /** How many times to resend an unanswered frame (same seq: the token answers from cache). */
  retries?: number;
}

export interface Hello {
  model: string;
  firmware: string;
  protocol: number;
  serial: string;
  id: string;
  state: string;
  labels: string[];
  time: number;
  clockOk: boolean;
  hash: string;
  /** A part that did not answer ("rtc", "display"), or "" when all is well. */
  fault: string;
}

export interface ProfileSpec {
  label: string;
  kind: "totp" | "hotp";
  algorithm: "SHA1" | "SHA256";
  digits: number;
  /** TOTP period in seconds. */
  period?: number;
  /** HOTP starting counter. */
  counter?: number;
  secret: Uint8Array;
}

export type Fields = Array<[string, string]>;

/** A VERIFY answer checked: whether the MAC matched, and the token's clock. */
export interface Proof {
  proven: boolean;
  time: number;
  clockOk: boolean;
}

export class TokenClient {
  /** Starts at random (1..65535) so a restarted host never replays the last seq + CRC. */
  private seq = 1 + Math.floor(Math.random() * 65535);
  private readonly reader = newLineReader();
  private readonly waiting = new Map<number, (frame: Frame) => void>();
  private readonly unsubscribe: () => void;
  private readonly timeoutMs: number;
  private readonly retries: number;

  constructor(
    readonly transport: Transport,
    options: ClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? answerTimeoutMs(2000);
    this.retries = options.retries ?? 2;
    this.unsubscribe = transport.onData((chunk) =>
      pushChunk(
        this.reader,
        chunk,
        (line) => this.onLine(line),
        () => undefined,
      ),
    );
  }

  private onLine(line: string): void {
    const decoded = decodeFrame(line, crc32);
    const frame = decoded.frame;
    if (frame === null || frame.toToken) return; // REPL chatter, echoes, noise
    this.waiting.get(frame.seq)?.(frame);
  }

  private nextSeq(): number {
    this.seq = this.seq >= 65535 ? 1 : this.seq + 1;
    return this.seq;
  }

  /** Sends a request and returns the OK answer; throws TokenError for an ERR answer. */
  async request(verb: string, fields: Fields = []): Promise<Frame> {
    const frame = newFrame(true, this.nextSeq(), verb);
    for (const [key, value] of fields) addField(frame, key, value);
    return this.send(frame);
  }

  /** Sends a prepared request frame (its seq already set). */
  async send(frame: Frame): Promise<Frame> {
    const text = encodeFrame(frame, crc32);
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      const answer = await new Promise<Frame | null>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.waiting.delete(frame.seq);
          resolve(null);
        }, this.timeoutMs);
        this.waiting.set(frame.seq, (received) => {
          clearTimeout(timer);
          this.waiting.delete(frame.seq);
          resolve(received);
        });
        this.transport.write(text).catch((error) => {
          clearTimeout(timer);
          this.waiting.delete(frame.seq);
          reject(error);
        });
      });
      if (answer !== null) {
        if (answer.verb === "ERR") {
          throw new TokenError(fieldValue(answer, "code") ?? "unknown", fieldValue(answer, "message") ?? "");
        }
        return answer;
      }
    }
    throw new NoAnswerError(
      `no answer from the token on ${this.transport.description} after ${this.retries + 1} tries: is it a tokensmith token, awake (press its button) and running the firmware?`,
    );
  }

  async hello(): Promise<Hello> {
    const answer = await this.request("HELLO");
    const get = (key: string) => fieldValue(answer, key) ?? "";
    const count = Number(get("profiles"));
    // A device that is not a tokensmith token may say anything: a count no token can hold
    // (MAX_PROFILES) is refused here, not turned into a four-billion-element array.
    if (!Number.isInteger(count) || count < 0 || count > MAX_PROFILES) {
      throw new TokenError("bad_answer", `the device on ${this.transport.description} answered HELLO with profiles=${JSON.stringify(get("profiles").slice(0, 20))}, which no tokensmith token says (0 to ${MAX_PROFILES}): is it a tokensmith token?`);
    }
    return {
      model: get("model"),
      firmware: get("firmware"),
      protocol: Number(get("protocol")),
      serial: get("serial"),
      id: get("id"),
      state: get("state"),
      labels: Array.from({ length: count }, (_, i) => get(`label${i + 1}`)),
      time: Number(get("time")),
      clockOk: get("clock") === "ok",
      hash: get("hash"),
      fault: get("fault"),
    };
  }

  async time(): Promise<{ time: number; clockOk: boolean }> {
    const answer = await this.request("TIME");
    return { time: Number(fieldValue(answer, "time")), clockOk: fieldValue(answer, "clock") === "ok" };
  }

  /**
   * Sends an authorised command: asks NONCE, then signs the request with the management key
   * (HMAC-SHA-256 over nonce, verb and fields exactly as on the wire).
   */
  async authorised(verb: string, fields: Fields, managementKey: Uint8Array): Promise<Frame> {
    const nonce = fieldValue(await this.request("NONCE"), "nonce") ?? "";
    const frame = newFrame(true, this.nextSeq(), verb);
    for (const [key, value] of fields) addField(frame, key, value);
    const auth = createHmac("sha256", managementKey).update(Buffer.from(authMessage(nonce, frame), "latin1")).digest("hex");
    addField(frame, "auth", auth);
    return this.send(frame);
  }

  /** Sets the token's clock; with a management key the step may be of any size. */
  async setTime(unixSeconds: number, managementKey?: Uint8Array): Promise<Frame> {
    const fields: Fields = [["time", String(unixSeconds)]];
    return managementKey ? this.authorised("TIME_SET", fields, managementKey) : this.request("TIME_SET", fields);
  }

  /** Writes the token's profiles. A provisioned token needs its current management key. */
  async provision(serial: string, newManagementKey: Uint8Array, profiles: ProfileSpec[], currentManagementKey?: Uint8Array): Promise<Frame> {
    const fields: Fields = [
      ["serial", serial],
      ["mkey", Buffer.from(newManagementKey).toString("hex")],
      ["count", String(profiles.length)],
    ];
    profiles.forEach((p, i) => {
      const n = `p${i + 1}_`;
      fields.push([n + "label", p.label], [n + "kind", p.kind], [n + "alg", p.algorithm], [n + "digits", String(p.digits)]);
      fields.push(p.kind === "totp" ? [n + "period", String(p.period ?? 30)] : [n + "counter", String(p.counter ?? 0)]);
      fields.push([n + "secret", Buffer.from(p.secret).toString("hex")]);
    });
    return currentManagementKey ? this.authorised("PROVISION", fields, currentManagementKey) : this.request("PROVISION", fields);
  }

  /**
   * Asks the token to prove it holds `secret` (profile 1-based) and checks the proof: the
   * HMAC over a fresh host nonce. The token never sends a code: compare its time instead.
   */
  async verify(profile: number, secret: Uint8Array, algorithm: "SHA1" | "SHA256"): Promise<Proof> {
    const nonce = randomBytes(16).toString("hex");
    const answer = await this.request("VERIFY", [
      ["nonce", nonce],
      ["profile", String(profile)],
    ]);
    const expected = createHmac(algorithm === "SHA1" ? "sha1" : "sha256", secret).update(VERIFY_PREFIX + nonce, "latin1").digest("hex");
    return { proven: fieldValue(answer, "mac") === expected, time: Number(fieldValue(answer, "time")), clockOk: fieldValue(answer, "clock") === "ok" };
  }

  /** Asks the token to prove it holds `managementKey` (VERIFY profile=0): who it claims to be. */
  async proveManagementKey(managementKey: Uint8Array): Promise<Proof> {
    return this.verify(0, managementKey, "SHA256");
  }

  async wipe(managementKey?: Uint8Array): Promise<Frame> {
    return managementKey ? this.authorised("WIPE", [], managementKey) : this.request("WIPE");
  }

  /** Erases every seed and key without the management key; the token refuses unless its button is held. */
  async factoryReset(): Promise<Frame> {
    return this.request("FACTORY_RESET");
  }

  async reboot(): Promise<Frame> {
    return this.request("REBOOT");
  }

  async maintenance(): Promise<Frame> {
    return this.request("MAINTENANCE");
  }

  close(): void {
    this.unsubscribe();
  }
}
