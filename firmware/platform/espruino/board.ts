/**
 * Pins of the default board (hardware/boards/esp32-devkit): the ESP32's default I2C pins, and
 * the button on GPIO27, an RTC GPIO (so ext0 can wake the chip from deep sleep) with an
 * internal pull-up, wired to ground.
 */
export const I2C_SDA = D21;
export const I2C_SCL = D22;
export const BUTTON_PIN = D27;
/** 400 kHz: the DS3231 and SSD1306 both support fast-mode I2C. */
export const I2C_BITRATE = 400000;
/** Contact bounce settles within this (Espruino's debounce for setWatch). */
export const BUTTON_DEBOUNCE_MS = 25;
