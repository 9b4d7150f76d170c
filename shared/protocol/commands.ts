/**
 * The constants of PROTOCOL.md and the frames every command handler builds: answers, errors
 * and the text an authorisation HMAC covers. Names and values are the spec's, so the host and
 * the firmware cannot drift apart.
 */
import { Frame, addField, fieldsText, newFrame } from "./frame.js";

export { ERR_BAD_FRAME, ERR_TOO_LONG, MAX_FRAME_BYTES, PROTOCOL_VERSION } from "./frame.js";

// Requests (host to token).
export const VERB_HELLO = "HELLO";
export const VERB_TIME = "TIME";
export const VERB_NONCE = "NONCE";
export const VERB_TIME_SET = "TIME_SET";
export const VERB_PROVISION = "PROVISION";
export const VERB_VERIFY = "VERIFY";
export const VERB_WIPE = "WIPE";
export const VERB_REBOOT = "REBOOT";
export const VERB_MAINTENANCE = "MAINTENANCE";
export const VERB_FACTORY_RESET = "FACTORY_RESET";

// Answers (token to host).
export const VERB_OK = "OK";
export const VERB_ERR = "ERR";

// Error codes (ERR_BAD_FRAME and ERR_TOO_LONG come from frame.ts, which produces them).
export const ERR_UNKNOWN_COMMAND = "unknown_command";
export const ERR_BAD_ARGUMENT = "bad_argument";
export const ERR_NOT_PROVISIONED = "not_provisioned";
export const ERR_AUTH_REQUIRED = "auth_required";
export const ERR_AUTH_FAILED = "auth_failed";
export const ERR_CLOCK_LOST = "clock_lost";
export const ERR_STORAGE_FULL = "storage_full";
export const ERR_NOT_ALLOWED = "not_allowed";

// Fields the codec itself writes or leaves out.
export const FIELD_AUTH = "auth";
export const FIELD_CODE = "code";
export const FIELD_MESSAGE = "message";

/** A clock step of at most this needs no auth on a provisioned token with a good clock... */
export const SMALL_STEP_SECONDS = 30;
/**
 * ...as long as the sizes of the unauthorised steps since the last authorised TIME_SET (or
 * PROVISION) add up to at most this. Sizes, not the net sum: stepping back uses budget too,
 * so walking the clock forward to read codes and back again cannot be repeated.
 */
export const UNAUTHORISED_DRIFT_BUDGET_SECONDS = 90;
/** The budget used is saved in steps of this, so small steps do not each write flash. */
export const DRIFT_RESERVE_SECONDS = 30;

/**
 * What VERIFY's HMAC covers before the nonce. It makes the message longer than 8 bytes, so
 * VERIFY can never compute an HOTP/TOTP code (whose message is an 8-byte counter).
 */
export const VERIFY_PREFIX = "tokensmith-verify ";

/** `<seq OK`; the handler adds its fields. */
export function okFrame(seq: number): Frame {
  return newFrame(false, seq, VERB_OK);
}

/** `<seq ERR code=<code> message=<text>`. */
export function errorFrame(seq: number, code: string, message: string): Frame {
  const frame = newFrame(false, seq, VERB_ERR);
  addField(frame, FIELD_CODE, code);
  addField(frame, FIELD_MESSAGE, message);
  return frame;
}

/**
 * The text the `auth` HMAC covers: nonce + " " + VERB + " " + the fields other than auth as on
 * the wire. Written literally as the spec says, so a request with no other field ends in a space.
 */
export function authMessage(nonceHex: string, frame: Frame): string {
  return nonceHex + " " + frame.verb + " " + fieldsText(frame, FIELD_AUTH);
}
