/** Identity of this firmware, reported by HELLO. */
export const MODEL = "tokensmith-esp32";
export const FIRMWARE_VERSION = "0.1.0";

/**
 * The release date of this firmware, 2026-11-22T00:00:00Z. A clock that reads earlier than
 * the firmware it runs cannot be right (the DS3231 lost power and restarted from 2000), so
 * the token shows "clock lost" rather than codes. A constant, not the build time, so that
 * every build of one version is byte for byte the same bundle.
 */
export const FIRMWARE_EPOCH = 1795305600;
