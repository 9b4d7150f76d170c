/**
 * The token program: boot, the screens a person sees, the button, sleep.
 *
 * States (derived, never stored): clock lost (DS3231 oscillator stopped, or a time before this
 * firmware existed) -> a message; record corrupt -> "needs setup"; no record -> "not set up"
 * with the chip id; otherwise the current profile's code. The protocol side lives in
 * commands.ts; both share the Token object.
 */
import { Hal } from "../platform/hal.js";
import { HmacKey } from "../../shared/otp/hmac.js";
import { readRtc } from "../drivers/ds3231.js";
import { Display, displayOn, flushDisplay, initDisplay, newDisplay } from "../drivers/ssd1306.js";
import { drawCodeScreen, drawCountdownBar, drawHotpScreen, drawMessageScreen } from "../ui/screens.js";
import { TokenRecord, loadRecord, saveRecord } from "../store/records.js";
import { FIRMWARE_EPOCH } from "./version.js";
import { DISPLAY_ON_SECONDS, HOST_AWAKE_SECONDS, LONG_PRESS_MS } from "./settings.js";
import { hotpAt, prepareProfileKey } from "./profile-codes.js";
import { divideWord, lastRemainder } from "../../shared/otp/totp.js";

export const STATE_UNPROVISIONED = "unprovisioned";
export const STATE_READY = "ready";
export const STATE_CLOCK_LOST = "clock_lost";
export const STATE_NEEDS_SETUP = "needs_setup";

export const FAULT_RTC = "rtc";
export const FAULT_DISPLAY = "display";

export interface Token {
  hal: Hal;
  display: Display;
  /** The valid record, or null. */
  record: TokenRecord | null;
  /** "none", "ok" or "corrupt", from the last load. */
  recordStatus: string;
  clockOk: boolean;
  /** Index of the profile shown (0-based). Resets at every wake: RAM does not survive sleep. */
  profileIndex: number;
  /**
   * The one prepared key kept (of profile keyIndex, -1: none). One, not one per profile: on a
   * 4,000-variable heap eight prepared keys did not fit beside a PROVISION of eight profiles.
   */
  key: HmacKey | null;
  keyIndex: number;
  /**
   * Seconds of unauthorised clock steps since the last authorised one (commands.ts, TIME_SET):
   * in RAM, starting at each boot from what the record saved, which is never less.
   */
  driftUsed: number;
  /** What is on the screen: "" (off), "code", "hotp", "message". */
  screen: string;
  /** The code shown and the TOTP window it belongs to (-1: none). */
  shownCode: string;
  shownWindowEnd: number;
  /** The TOTP counter of the code shown (-1: none). */
  shownCounter: number;
  secondsLeftShown: number;
  tickTimer: number;
  offTimer: number;
  longPressTimer: number;
  buttonDown: boolean;
  longPressFired: boolean;
  /** System time of the last host frame, for the sleep decision. */
  lastHostContact: number;
  /**
   * A part that did not answer: "" none, "rtc" (the DS3231: the clock is then lost), "display"
   * (nothing can be shown; the protocol still runs). Found at boot or when a write fails.
   */
  fault: string;
}

/**
 * The state a HELLO reports and the screen follows. A token without a record is unprovisioned
 * whatever its clock says: a new DS3231 powers up with its oscillator-stop flag set, and such a
 * board must still be provisionable (the host sets the clock first). HELLO reports the clock
 * separately.
 */
export function tokenState(token: Token): string {
  if (token.recordStatus === "corrupt") {
    return STATE_NEEDS_SETUP;
  }
  if (token.record === null) {
    return STATE_UNPROVISIONED;
  }
  if (!token.clockOk) {
    return STATE_CLOCK_LOST;
  }
  return STATE_READY;
}

/** Reads the DS3231 and sets the system clock from it when it can be trusted. */
export function syncClockFromRtc(token: Token): void {
  const reading = readRtc(token.hal);
  token.clockOk = reading.plausible && !reading.oscillatorStopped && reading.unixSeconds >= FIRMWARE_EPOCH;
  if (token.clockOk) {
    token.hal.setSystemTime(reading.unixSeconds);
  }
}

/** Reloads the record and forgets prepared keys (after WIPE, or at boot). */
export function reloadRecord(token: Token): void {
  const loaded = loadRecord(token.hal);
  useRecord(token, loaded.record, loaded.status);
}

/**
 * Makes `record` the token's record and forgets prepared keys. PROVISION passes the record it
 * has just saved (and read back byte for byte) rather than parsing a third copy from flash.
 */
export function useRecord(token: Token, record: TokenRecord | null, status: string): void {
  token.record = record;
  token.recordStatus = status;
  // Records from before the budget counted step sizes kept a signed sum.
  token.driftUsed = record === null ? 0 : record.driftBudgetUsed < 0 ? 0 - record.driftBudgetUsed : record.driftBudgetUsed;
  token.key = null;
  token.keyIndex = -1;
  token.profileIndex = 0;
}

/** The prepared key of a profile (kept for the next call on the same profile). */
export function profileKey(token: Token, index: number): HmacKey {
  if (token.keyIndex !== index || token.key === null) {
    const record = token.record as TokenRecord;
    token.key = null; // let the old key go before the new one is made
    token.key = prepareProfileKey(record.profiles[index], token.hal.nativeSha1);
    token.keyIndex = index;
  }
  return token.key;
}

function cancelTimer(token: Token, id: number): void {
  if (id !== 0) {
    token.hal.cancelTimer(id);
  }
}

function stopTicking(token: Token): void {
  cancelTimer(token, token.tickTimer);
  token.tickTimer = 0;
}

/** Sends the frame to the glass; a display that does not answer is noted, never fatal. */
function flush(token: Token): void {
  try {
    if (!token.display.on) {
      displayOn(token.hal, token.display, true);
    }
    flushDisplay(token.hal, token.display);
  } catch (unanswered) {
    token.fault = FAULT_DISPLAY;
  }
}

/** Schedules the next tick at the start of the next second of the system clock. */
function scheduleTick(token: Token): void {
  stopTicking(token);
  token.tickTimer = token.hal.afterMs(1000 - token.hal.millisecondsIntoSecond(), function () {
    token.tickTimer = 0;
    tick(token);
  });
}

/** Draws the current TOTP code (recomputed only when the window changed) and its bar. */
function showTotp(token: Token): void {
  const record = token.record as TokenRecord;
  const profile = record.profiles[token.profileIndex];
  const now = token.hal.nowSeconds();
  const end = token.shownWindowEnd;
  // Ticks inside the window shown need no arithmetic beyond a subtraction.
  if (token.screen === "code" && now < end && now >= end - profile.period) {
    const left = end - now;
    if (left !== token.secondsLeftShown) {
      drawCountdownBar(token.display.frame, left, profile.period);
      token.secondsLeftShown = left;
      flush(token);
    }
  } else {
    let counter = token.shownCounter + 1;
    let left = end + profile.period - now;
    // The tick at a rollover knows the next counter; anything else costs one long division.
    if (token.screen !== "code" || now < end || left <= 0) {
      counter = divideWord(now, profile.period);
      left = profile.period - lastRemainder();
    }
    token.shownCode = hotpAt(profileKey(token, token.profileIndex), profile, counter);
    token.shownCounter = counter;
    token.shownWindowEnd = now + left;
    token.secondsLeftShown = left;
    drawCodeScreen(token.display.frame, profile.label, token.shownCode, left, profile.period);
    token.screen = "code";
    flush(token);
  }
  scheduleTick(token);
}

function tick(token: Token): void {
  if (token.screen === "code") {
    showTotp(token);
  }
}

function showMessage(token: Token, title: string, line1: string, line2: string): void {
  stopTicking(token);
  drawMessageScreen(token.display.frame, title, line1, line2);
  token.screen = "message";
  token.shownCode = "";
  flush(token);
}

/**
 * An HOTP press: the next counter value is stored before its code is shown, so a power cut
 * can never show one code twice, and skips at most the one code being shown (RFC 4226
 * section 7.2 look-ahead absorbs that).
 */
function showNextHotp(token: Token): void {
  const record = token.record as TokenRecord;
  const profile = record.profiles[token.profileIndex];
  const counter = profile.counter;
  profile.counter = counter + 1;
  if (!saveRecord(token.hal, record)) {
    profile.counter = counter;
    showMessage(token, "STORAGE ERROR", "COUNTER NOT", "SAVED");
    return;
  }
  stopTicking(token);
  token.shownCode = hotpAt(profileKey(token, token.profileIndex), profile, counter);
  drawHotpScreen(token.display.frame, profile.label, token.shownCode, counter);
  token.screen = "hotp";
  flush(token);
}

/** Shows what the token's state calls for. `pressed`: a press asked for it (HOTP advances). */
export function showCurrentScreen(token: Token, pressed: boolean): void {
  const state = tokenState(token);
  if (token.fault === FAULT_RTC && state !== STATE_NEEDS_SETUP) {
    showMessage(token, "CLOCK FAULT", "RTC NOT", "ANSWERING");
  } else if (state === STATE_CLOCK_LOST) {
    showMessage(token, "CLOCK LOST", "RESYNC WITH", "TOKENSMITH");
  } else if (state === STATE_NEEDS_SETUP) {
    showMessage(token, "NEEDS SETUP", "RECORD DAMAGED", "RE-PROVISION");
  } else if (state === STATE_UNPROVISIONED) {
    showMessage(token, "NOT SET UP", "ID " + token.hal.deviceId(), "USE TOKENSMITH");
  } else {
    const record = token.record as TokenRecord;
    const profile = record.profiles[token.profileIndex];
    if (profile.kind === "hotp") {
      if (pressed) {
        showNextHotp(token);
      } else {
        showMessage(token, profile.label, "PRESS FOR", "NEXT CODE");
      }
    } else {
      showTotp(token);
    }
  }
  keepAwake(token);
}

/** Turns the display off, then sleeps unless the host is talking to us. */
function idle(token: Token): void {
  token.offTimer = 0;
  stopTicking(token);
  token.screen = "";
  token.shownCode = "";
  try {
    displayOn(token.hal, token.display, false);
  } catch (unanswered) {
    token.fault = FAULT_DISPLAY;
  }
  const sleep = token.hal.deepSleep;
  if (sleep === null || token.buttonDown) {
    return;
  }
  const quietFor = token.hal.nowSeconds() - token.lastHostContact;
  if (quietFor >= HOST_AWAKE_SECONDS) {
    sleep();
  } else {
    // The host spoke recently: look again when it has been quiet long enough.
    token.offTimer = token.hal.afterMs((HOST_AWAKE_SECONDS - quietFor) * 1000, function () {
      idle(token);
    });
  }
}

/** (Re)starts the display-off countdown. */
export function keepAwake(token: Token): void {
  cancelTimer(token, token.offTimer);
  token.offTimer = token.hal.afterMs(DISPLAY_ON_SECONDS * 1000, function () {
    idle(token);
  });
}

function nextProfile(token: Token): void {
  const record = token.record;
  if (record !== null && token.clockOk && record.profiles.length > 1) {
    token.profileIndex = token.profileIndex + 1;
    if (token.profileIndex >= record.profiles.length) {
      token.profileIndex = 0;
    }
    token.screen = "";
  }
  showCurrentScreen(token, false);
}

function onButton(token: Token, pressed: boolean): void {
  if (pressed) {
    if (token.buttonDown) {
      return;
    }
    token.buttonDown = true;
    token.longPressFired = false;
    cancelTimer(token, token.longPressTimer);
    token.longPressTimer = token.hal.afterMs(LONG_PRESS_MS, function () {
      token.longPressTimer = 0;
      token.longPressFired = true;
      nextProfile(token);
    });
    return;
  }
  if (!token.buttonDown) {
    return;
  }
  token.buttonDown = false;
  cancelTimer(token, token.longPressTimer);
  token.longPressTimer = 0;
  if (!token.longPressFired) {
    showCurrentScreen(token, true);
  }
}

/** Creates the token and runs boot: clock, record, display, first screen, button. */
export function startToken(hal: Hal): Token {
  const token: Token = {
    hal: hal,
    display: newDisplay(hal),
    record: null,
    recordStatus: "none",
    clockOk: false,
    profileIndex: 0,
    key: null,
    keyIndex: -1,
    driftUsed: 0,
    screen: "",
    shownCode: "",
    shownWindowEnd: -1,
    shownCounter: -1,
    secondsLeftShown: -1,
    tickTimer: 0,
    offTimer: 0,
    longPressTimer: 0,
    buttonDown: false,
    longPressFired: false,
    lastHostContact: -1000000,
    fault: "",
  };
  // No part that fails to answer may stop the boot: the protocol must end up in charge of the
  // UART whatever happens here (a boot that threw would leave nothing answering, or on a
  // platform whose console was not moved first, the REPL).
  try {
    syncClockFromRtc(token);
  } catch (unanswered) {
    token.clockOk = false; // never trust a clock that cannot be read
    token.fault = FAULT_RTC;
  }
  reloadRecord(token);
  try {
    initDisplay(hal, token.display);
  } catch (unanswered) {
    token.fault = FAULT_DISPLAY;
  }
  hal.onButton(function (pressed: boolean) {
    onButton(token, pressed);
  });
  // A wake from deep sleep is a press that happened before we were running.
  showCurrentScreen(token, hal.buttonIsDown());
  if (hal.buttonIsDown()) {
    token.buttonDown = true;
    token.longPressFired = true; // its release must not count as a second press
  }
  return token;
}
