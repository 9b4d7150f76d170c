/** Behaviour constants of the token, in one place, each with the reason for its value. */

/** A hold this long is a long press (next profile); shorter is a press. */
export const LONG_PRESS_MS = 700;

/** The display stays on this long after the last press, then turns off. */
export const DISPLAY_ON_SECONDS = 30;

/**
 * After the display turns off the token deep-sleeps, unless the host spoke within this many
 * seconds: a sleeping ESP32 cannot hear the UART, so a token being provisioned stays awake.
 */
export const HOST_AWAKE_SECONDS = 120;

/** At most this many profiles (long press cycles through them). */
export const MAX_PROFILES = 8;
