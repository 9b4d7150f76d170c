/**
 * The token's side of the wire protocol (shared/protocol/PROTOCOL.md): decodes host frames
 * from the console UART, runs each command once, answers every frame.
 *
 * Never a crash, never a change on bad input: every field is checked before anything is
 * written, and anything thrown while running a command becomes an error answer. No answer
 * carries a secret, and error messages never echo a secret field's value.
 */
import { HmacKey, hmacText, prepareHmacKey } from "../../shared/otp/hmac.js";
import { SHA256, byteString } from "../../shared/otp/hash.js";
import { bytesToHex, hexToBytes } from "../../shared/codec/hex.js";
import { parseWhole } from "../../shared/codec/decimal.js";
import { isSerial } from "../../shared/serial.js";
import { LABEL_PUNCTUATION, isLabel } from "../../shared/label.js";
import { Frame, MAX_FRAME_BYTES, PROTOCOL_VERSION, addField, decodeFrame, encodeFrame, fieldValue } from "../../shared/protocol/frame.js";
import { LineReader, newLineReader, pushChunk } from "../../shared/protocol/line-reader.js";
import {
  ERR_AUTH_FAILED,
  ERR_AUTH_REQUIRED,
  ERR_BAD_ARGUMENT,
  ERR_BAD_FRAME,
  ERR_NOT_ALLOWED,
  ERR_NOT_PROVISIONED,
  ERR_STORAGE_FULL,
  ERR_TOO_LONG,
  ERR_UNKNOWN_COMMAND,
  DRIFT_RESERVE_SECONDS,
  SMALL_STEP_SECONDS,
  UNAUTHORISED_DRIFT_BUDGET_SECONDS,
  VERIFY_PREFIX,
  authMessage,
  errorFrame,
  okFrame,
} from "../../shared/protocol/commands.js";
import { writeRtc } from "../drivers/ds3231.js";
import { civilFromUnix } from "../drivers/calendar.js";
import { Profile, TokenRecord, forgetPreviousRecord, saveRecord, wipeRecords } from "../store/records.js";
import { FIRMWARE_EPOCH, FIRMWARE_VERSION, MODEL } from "./version.js";
import { MAX_PROFILES } from "./settings.js";
import { FAULT_RTC, Token, profileKey, reloadRecord, showCurrentScreen, tokenState, useRecord } from "./token.js";
import { newNonce } from "./nonce.js";

export interface Session {
  token: Token;
  reader: LineReader;
  /** The last request's sequence number and CRC, and the answer sent (for retries). */
  lastSeq: number;
  lastCrc: string;
  lastAnswer: string;
  /** The nonce issued by NONCE, "" when none is outstanding. */
  nonce: string;
  /** Runs after the answer has been sent (REBOOT, MAINTENANCE); null for none. */
  after: (() => void) | null;
}

/** A command's outcome: an answer frame, or an error to wrap. */
function fault(seq: number, code: string, message: string): Frame {
  return errorFrame(seq, code, message);
}

/** Equal strings, in time that does not depend on where they differ. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) {
    return false;
  }
  let difference = 0;
  for (let i = 0; i < a.length; i++) {
    difference = difference | (a.charCodeAt(i) ^ b.charCodeAt(i));
  }
  return difference === 0;
}

function isHexText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) {
      return false;
    }
  }
  return (text.length & 1) === 0;
}

/** The management key, prepared for HMAC-SHA-256 (auth checks and its VERIFY proof). */
function managementKeyHmac(record: TokenRecord): HmacKey {
  return prepareHmacKey(SHA256, record.managementKey, null);
}

/**
 * Checks `auth` against the outstanding nonce (used up either way). Returns "" when
 * authorised, else the error code.
 */
function checkAuth(session: Session, frame: Frame): string {
  const auth = fieldValue(frame, "auth");
  if (auth === null) {
    return ERR_AUTH_REQUIRED;
  }
  const record = session.token.record;
  const nonce = session.nonce;
  session.nonce = "";
  if (record === null || nonce === "") {
    return ERR_AUTH_FAILED;
  }
  const expected = bytesToHex(hmacText(managementKeyHmac(record), authMessage(nonce, frame)));
  return sameText(expected, auth) ? "" : ERR_AUTH_FAILED;
}

function authError(seq: number, code: string, what: string): Frame {
  if (code === ERR_AUTH_REQUIRED) {
    return fault(seq, code, what + " needs auth: ask NONCE, then send auth=HMAC-SHA256(management key, ...)");
  }
  return fault(seq, code, "auth does not match (the nonce is used up: ask NONCE again)");
}

function hello(session: Session, frame: Frame): Frame {
  const token = session.token;
  const answer = okFrame(frame.seq);
  const record = token.record;
  addField(answer, "model", MODEL);
  addField(answer, "firmware", FIRMWARE_VERSION);
  addField(answer, "protocol", String(PROTOCOL_VERSION));
  addField(answer, "serial", record !== null ? record.serial : "");
  addField(answer, "id", token.hal.deviceId());
  addField(answer, "state", tokenState(token));
  addField(answer, "profiles", String(record !== null ? record.profiles.length : 0));
  if (record !== null) {
    for (let i = 0; i < record.profiles.length; i++) {
      addField(answer, "label" + String(i + 1), record.profiles[i].label);
    }
  }
  addField(answer, "time", String(token.hal.nowSeconds()));
  addField(answer, "clock", token.clockOk ? "ok" : "lost");
  addField(answer, "hash", token.hal.nativeSha1 !== null ? "native" : "pure");
  if (token.fault !== "") {
    addField(answer, "fault", token.fault);
  }
  return answer;
}

function time(session: Session, frame: Frame): Frame {
  const answer = okFrame(frame.seq);
  addField(answer, "time", String(session.token.hal.nowSeconds()));
  addField(answer, "clock", session.token.clockOk ? "ok" : "lost");
  return answer;
}

function nonce(session: Session, frame: Frame): Frame {
  session.nonce = newNonce(session.token.hal);
  if (session.nonce === "") {
    return fault(frame.seq, ERR_STORAGE_FULL, "flash is full: no nonce can be issued");
  }
  const answer = okFrame(frame.seq);
  addField(answer, "nonce", session.nonce);
  return answer;
}

/** The DS3231 driver holds 2000-2105 (writeRtc). */
const LAST_RTC_YEAR = 2105;

function absolute(n: number): number {
  return n < 0 ? -n : n;
}

/**
 * The budget saved with the record: what the unauthorised steps have used, rounded up to the
 * next DRIFT_RESERVE_SECONDS. A step inside it changes only RAM; one beyond it saves the record
 * first (at most BUDGET / RESERVE saves between authorised syncs), and a boot starts from the
 * saved value, so neither a reboot nor a power cut gives budget back.
 */
function reservedFor(used: number): number {
  let reserve = 0;
  while (reserve < used) {
    reserve = reserve + DRIFT_RESERVE_SECONDS;
  }
  return reserve;
}

function timeSet(session: Session, frame: Frame): Frame {
  const token = session.token;
  const text = fieldValue(frame, "time");
  const target = text === null ? -1 : parseWhole(text);
  if (target < 0) {
    return fault(frame.seq, ERR_BAD_ARGUMENT, "time must be whole UTC seconds");
  }
  if (target < FIRMWARE_EPOCH) {
    return fault(frame.seq, ERR_BAD_ARGUMENT, "time is before this firmware was released");
  }
  // writeRtc fails after 2105: refuse here, before the record is saved below.
  if (civilFromUnix(target)[0] > LAST_RTC_YEAR) {
    return fault(frame.seq, ERR_BAD_ARGUMENT, "time is after 2105, the last year the clock holds");
  }
  const record = token.record;
  const wasOk = token.clockOk;
  const step = wasOk ? target - token.hal.nowSeconds() : 0;
  let authorised = false;
  if (fieldValue(frame, "auth") !== null) {
    const authCode = checkAuth(session, frame);
    if (authCode !== "") {
      return authError(frame.seq, authCode, "TIME_SET");
    }
    authorised = true;
  } else if (record !== null && !wasOk) {
    // Whoever sets a lost clock chooses the time the codes are for.
    return authError(frame.seq, ERR_AUTH_REQUIRED, "setting the lost clock of a provisioned token");
  } else if (record !== null) {
    if (absolute(step) > SMALL_STEP_SECONDS || token.driftUsed + absolute(step) > UNAUTHORISED_DRIFT_BUDGET_SECONDS) {
      return authError(frame.seq, ERR_AUTH_REQUIRED, "a clock step of " + String(step) + " s");
    }
  }
  if (record !== null) {
    const used = authorised ? 0 : token.driftUsed + absolute(step);
    const before = record.driftBudgetUsed;
    const reserve = authorised ? 0 : reservedFor(used);
    if ((authorised && before !== 0) || reserve > before) {
      record.driftBudgetUsed = reserve;
      if (!saveRecord(token.hal, record)) {
        record.driftBudgetUsed = before;
        return fault(frame.seq, ERR_STORAGE_FULL, "flash is full: the clock was not changed");
      }
    }
    token.driftUsed = used;
  }
  writeRtc(token.hal, target);
  token.hal.setSystemTime(target);
  token.clockOk = true;
  if (token.fault === FAULT_RTC) {
    token.fault = ""; // it answered this time
  }
  const answer = okFrame(frame.seq);
  addField(answer, "time", String(target));
  addField(answer, wasOk ? "offset" : "clock", wasOk ? String(step) : "was_lost");
  if (token.screen !== "") {
    token.screen = "";
    showCurrentScreen(token, false);
  }
  return answer;
}

/** Reads profile N's fields; returns the profile or an error message. */
function readProfile(frame: Frame, n: number, problems: string[]): Profile | null {
  const prefix = "p" + String(n) + "_";
  const label = fieldValue(frame, prefix + "label");
  const kind = fieldValue(frame, prefix + "kind");
  const algorithm = fieldValue(frame, prefix + "alg");
  const digitsText = fieldValue(frame, prefix + "digits");
  const secretText = fieldValue(frame, prefix + "secret");
  if (label === null || kind === null || algorithm === null || digitsText === null || secretText === null) {
    const missing = label === null ? "label" : kind === null ? "kind" : algorithm === null ? "alg" : digitsText === null ? "digits" : "secret";
    problems.push(prefix + missing + " is required");
    return null;
  }
  if (!isLabel(label)) {
    problems.push(prefix + "label must be at most 16 of A-Z a-z 0-9 and" + LABEL_PUNCTUATION);
    return null;
  }
  if (kind !== "totp" && kind !== "hotp") {
    problems.push(prefix + "kind must be totp or hotp");
    return null;
  }
  if (algorithm !== "SHA1" && algorithm !== "SHA256") {
    problems.push(prefix + "alg must be SHA1 or SHA256");
    return null;
  }
  const digits = parseWhole(digitsText);
  if (digits < 6 || digits > 8) {
    problems.push(prefix + "digits must be 6, 7 or 8");
    return null;
  }
  const numberText = fieldValue(frame, prefix + (kind === "totp" ? "period" : "counter"));
  const number = numberText === null ? -1 : parseWhole(numberText);
  if (kind === "totp" && (number < 1 || number > 65535)) {
    problems.push(prefix + "period must be 1 to 65535 seconds");
    return null;
  }
  if (kind === "hotp" && (number < 0 || number > 2147483647)) {
    problems.push(prefix + "counter must be 0 to 2147483647");
    return null;
  }
  // Never echo the secret: only say what is wrong with it.
  if (!isHexText(secretText) || secretText.length < 2 || secretText.length > 128) {
    problems.push(prefix + "secret must be 1 to 64 bytes of lowercase hex");
    return null;
  }
  return {
    label: label,
    kind: kind,
    algorithm: algorithm,
    digits: digits,
    period: kind === "totp" ? number : 30,
    counter: kind === "hotp" ? number : 0,
    secret: byteString(hexToBytes(secretText)),
  };
}

function provision(session: Session, frame: Frame): Frame {
  const token = session.token;
  if (token.record !== null) {
    const authCode = checkAuth(session, frame);
    if (authCode !== "") {
      return authError(frame.seq, authCode, "re-provisioning");
    }
  }
  const serial = fieldValue(frame, "serial");
  if (serial === null || !isSerial(serial)) {
    return fault(frame.seq, ERR_BAD_ARGUMENT, "serial must be 1 to 32 of A-Z a-z 0-9 . _ -");
  }
  const mkey = fieldValue(frame, "mkey");
  if (mkey === null || !isHexText(mkey) || mkey.length < 32 || mkey.length > 64) {
    return fault(frame.seq, ERR_BAD_ARGUMENT, "mkey must be 16 to 32 bytes of lowercase hex");
  }
  const countText = fieldValue(frame, "count");
  const count = countText === null ? -1 : parseWhole(countText);
  if (count < 1 || count > MAX_PROFILES) {
    return fault(frame.seq, ERR_BAD_ARGUMENT, "count must be 1 to 8 profiles");
  }
  const profiles: Profile[] = [];
  const problems: string[] = [];
  for (let n = 1; n <= count; n++) {
    const profile = readProfile(frame, n, problems);
    if (profile === null) {
      return fault(frame.seq, ERR_BAD_ARGUMENT, problems[0]);
    }
    profiles.push(profile);
  }
  // The frame's fields are read: let them go before the record is written (eight profiles'
  // hex secrets and the rest are a few hundred of a 4,000-variable heap).
  frame.keys = [];
  frame.values = [];
  const previous = token.record;
  const record: TokenRecord = {
    sequence: previous !== null ? previous.sequence : 0,
    serial: serial,
    managementKey: hexToBytes(mkey),
    profiles: profiles,
    driftBudgetUsed: 0,
  };
  if (!saveRecord(token.hal, record)) {
    return fault(frame.seq, ERR_STORAGE_FULL, "flash is full: nothing was changed");
  }
  if (previous !== null) {
    forgetPreviousRecord(token.hal); // the old seeds must not linger in the other slot
  }
  useRecord(token, record, "ok");
  const answer = okFrame(frame.seq);
  addField(answer, "profiles", String(profiles.length));
  token.screen = "";
  showCurrentScreen(token, false);
  return answer;
}

/**
 * A proof of a secret the token holds, never a code: mac = HMAC(secret, VERIFY_PREFIX + nonce)
 * with profile N's seed and algorithm, or with profile=0 HMAC-SHA-256 of the management key.
 * The message starts with VERIFY_PREFIX, so it is never an 8-byte counter (no code) nor an
 * auth text (which starts with the nonce's hex digits).
 */
function verify(session: Session, frame: Frame): Frame {
  const token = session.token;
  const record = token.record;
  if (record === null) {
    return fault(frame.seq, ERR_NOT_PROVISIONED, "VERIFY needs a provisioned token");
  }
  const hostNonce = fieldValue(frame, "nonce");
  if (hostNonce === null || !isHexText(hostNonce) || hostNonce.length < 16 || hostNonce.length > 64) {
    return fault(frame.seq, ERR_BAD_ARGUMENT, "nonce must be 8 to 32 bytes of lowercase hex");
  }
  const indexText = fieldValue(frame, "profile");
  const index = indexText === null ? 1 : parseWhole(indexText);
  if (index < 0 || index > record.profiles.length) {
    return fault(frame.seq, ERR_BAD_ARGUMENT, "profile must be 0 (the management key) to " + String(record.profiles.length));
  }
  const key = index === 0 ? managementKeyHmac(record) : profileKey(token, index - 1);
  const answer = okFrame(frame.seq);
  addField(answer, "mac", bytesToHex(hmacText(key, VERIFY_PREFIX + hostNonce)));
  addField(answer, "time", String(token.hal.nowSeconds()));
  addField(answer, "clock", token.clockOk ? "ok" : "lost");
  return answer;
}

function wipe(session: Session, frame: Frame): Frame {
  const token = session.token;
  if (token.record !== null) {
    const authCode = checkAuth(session, frame);
    if (authCode !== "") {
      return authError(frame.seq, authCode, "WIPE");
    }
  }
  return eraseRecords(session, frame);
}

/** Erases the records (wipeRecords), shows the unprovisioned screen, answers OK. */
function eraseRecords(session: Session, frame: Frame): Frame {
  const token = session.token;
  wipeRecords(token.hal);
  reloadRecord(token);
  token.screen = "";
  showCurrentScreen(token, false);
  return okFrame(frame.seq);
}

/**
 * Back to factory state without the management key (a token whose ledger is gone), only with
 * the button held: whoever holds the cable alone cannot do it. Every secret goes first (the
 * records are erased and compacted, as WIPE does); the nonce counter stays, so nonces never
 * repeat.
 */
function factoryReset(session: Session, frame: Frame): Frame {
  const token = session.token;
  if (!token.hal.buttonIsDown()) {
    return fault(frame.seq, ERR_NOT_ALLOWED, "hold the token's button while sending FACTORY_RESET: it erases every seed and key");
  }
  session.nonce = "";
  return eraseRecords(session, frame);
}

function reboot(session: Session, frame: Frame): Frame {
  const restart = session.token.hal.reboot;
  if (restart === null) {
    return fault(frame.seq, ERR_NOT_ALLOWED, "this platform cannot reboot");
  }
  session.after = restart;
  return okFrame(frame.seq);
}

function maintenance(session: Session, frame: Frame): Frame {
  const hal = session.token.hal;
  const openRepl = hal.openRepl;
  if (openRepl === null) {
    return fault(frame.seq, ERR_NOT_ALLOWED, "this platform has no REPL to open");
  }
  if (!hal.buttonIsDown()) {
    return fault(frame.seq, ERR_NOT_ALLOWED, "hold the token's button while sending MAINTENANCE");
  }
  session.after = openRepl;
  return okFrame(frame.seq);
}

function run(session: Session, frame: Frame): Frame {
  const verb = frame.verb;
  if (verb === "HELLO") {
    return hello(session, frame);
  }
  if (verb === "TIME") {
    return time(session, frame);
  }
  if (verb === "NONCE") {
    return nonce(session, frame);
  }
  if (verb === "TIME_SET") {
    return timeSet(session, frame);
  }
  if (verb === "PROVISION") {
    return provision(session, frame);
  }
  if (verb === "VERIFY") {
    return verify(session, frame);
  }
  if (verb === "WIPE") {
    return wipe(session, frame);
  }
  if (verb === "REBOOT") {
    return reboot(session, frame);
  }
  if (verb === "FACTORY_RESET") {
    return factoryReset(session, frame);
  }
  if (verb === "MAINTENANCE") {
    return maintenance(session, frame);
  }
  return fault(frame.seq, ERR_UNKNOWN_COMMAND, "unknown command " + verb);
}

function send(session: Session, frame: Frame): string {
  const text = encodeFrame(frame, session.token.hal.nativeCrc32);
  session.token.hal.uartWrite(text);
  return text;
}

function handleLine(session: Session, line: string): void {
  const decoded = decodeFrame(line, session.token.hal.nativeCrc32);
  const frame = decoded.frame;
  if (frame === null) {
    send(session, errorFrame(0, decoded.error !== "" ? decoded.error : ERR_BAD_FRAME, decoded.message));
    return;
  }
  if (!frame.toToken) {
    return; // a token-to-host frame echoed back: not a request
  }
  const token = session.token;
  token.lastHostContact = token.hal.nowSeconds();
  if (frame.seq === session.lastSeq && decoded.crcHex === session.lastCrc) {
    token.hal.uartWrite(session.lastAnswer);
    return;
  }
  let answer: Frame;
  try {
    answer = run(session, frame);
  } catch (problem) {
    answer = fault(frame.seq, ERR_BAD_ARGUMENT, "the request could not be carried out");
  }
  session.lastSeq = frame.seq;
  session.lastCrc = decoded.crcHex;
  session.lastAnswer = send(session, answer);
  const after = session.after;
  session.after = null;
  if (after !== null) {
    token.hal.afterMs(50, after);
  }
}

/** Takes the console UART for the protocol. */
export function attachProtocol(token: Token): Session {
  const session: Session = { token: token, reader: newLineReader(), lastSeq: -1, lastCrc: "", lastAnswer: "", nonce: "", after: null };
  token.hal.onUartData(function (chunk: string) {
    pushChunk(
      session.reader,
      chunk,
      function (line: string) {
        handleLine(session, line);
      },
      function () {
        send(session, errorFrame(0, ERR_TOO_LONG, "frames are at most " + String(MAX_FRAME_BYTES) + " bytes"));
      },
    );
  });
  return session;
}
