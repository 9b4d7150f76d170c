// The Espruino globals the platform adapter uses (https://www.espruino.com/Reference).
// Only firmware/platform/espruino/ may use them; the simulator emulates exactly these.
declare const I2C1: {
  setup(options: { sda: unknown; scl: unknown; bitrate?: number }): void;
  writeTo(address: number, data: number[] | string): void;
  readFrom(address: number, quantity: number): Uint8Array;
};
declare const Serial1: {
  setup(baud: number): void;
  on(event: "data", handler: (data: string) => void): void;
  removeAllListeners(event?: string): void;
  write(data: string): void;
  setConsole(force?: boolean): void;
};
declare const LoopbackA: { setConsole(force?: boolean): void };
declare const E: {
  CRC32(data: string): number;
  toString(data: ArrayBuffer): string;
  hwRand(): number;
  reboot(): void;
};
declare const ESP32: { deepSleepExt0(pin: unknown, level: number): void } | undefined;
declare const D21: unknown;
declare const D22: unknown;
declare const D27: unknown;
declare function setWatch(handler: (event: { state: boolean; time: number; lastTime: number }) => void, pin: unknown, options: { repeat: boolean; edge: string; debounce: number }): number;
declare function digitalRead(pin: unknown): number;
declare function pinMode(pin: unknown, mode: string): void;
declare function getTime(): number;
declare function setTime(seconds: number): void;
declare function getSerial(): string;
declare function peek32(address: number): number;
