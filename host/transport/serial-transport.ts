/**
 * A token on a serial port (`--port /dev/ttyUSB0`), through node-serialport. The tests drive it
 * on a real pty (socat) in front of a simulated token: the same system calls as a USB-UART.
 */
import type { SerialPort } from "serialport";
import { Listeners, TransportError, type Transport } from "./transport.js";

/** Espruino's console on the ESP32: 115200 baud, 8N1. */
export const TOKEN_BAUD_RATE = 115200;

export class SerialTransport implements Transport {
  private readonly data = new Listeners<string>();
  private readonly closed = new Listeners<string>();
  private open = true;

  private constructor(
    readonly description: string,
    private readonly port: SerialPort,
  ) {
    port.on("data", (chunk: Buffer) => this.data.emit(chunk.toString("latin1")));
    port.on("close", (error?: Error & { disconnected?: boolean }) => {
      if (!this.open) return;
      this.open = false;
      this.closed.emit(error?.disconnected ? `${description} was unplugged` : `${description} closed`);
    });
    port.on("error", () => undefined); // surfaced through close and failed writes
  }

  static async open(path: string, options: { baudRate?: number } = {}): Promise<SerialTransport> {
    // Loaded when a serial port is opened, not whenever tokensmith starts.
    const { SerialPort } = await import("serialport");
    return new Promise((resolve, reject) => {
      const port = new SerialPort({
        path,
        baudRate: options.baudRate ?? TOKEN_BAUD_RATE,
        autoOpen: false,
      });
      port.open((error) => {
        if (error) {
          reject(new TransportError(explainOpenError(path, error)));
          return;
        }
        resolve(new SerialTransport(path, port));
      });
    });
  }

  write(text: string): Promise<void> {
    if (!this.open) return Promise.reject(new TransportError(`${this.description} is closed (was the cable pulled?)`));
    return new Promise((resolve, reject) => {
      this.port.write(Buffer.from(text, "latin1"), (error) => {
        if (error) {
          reject(new TransportError(`writing to ${this.description} failed: ${error.message}`));
          return;
        }
        this.port.drain((drainError) => (drainError ? reject(new TransportError(`writing to ${this.description} failed: ${drainError.message}`)) : resolve()));
      });
    });
  }

  onData(listener: (text: string) => void): () => void {
    return this.data.add(listener);
  }

  onClose(listener: (reason: string) => void): () => void {
    return this.closed.add(listener);
  }

  close(): Promise<void> {
    if (!this.open) return Promise.resolve();
    this.open = false;
    return new Promise((resolve) => this.port.close(() => resolve()));
  }
}

/** Turns the OS's open errors into what to do about them. */
export function explainOpenError(path: string, error: Error): string {
  const text = error.message;
  if (/ENOENT|No such file|not found/i.test(text)) return `${path} does not exist: is the token plugged in? \`tokensmith devices\` lists serial ports`;
  if (/EACCES|Permission denied/i.test(text)) return `no permission to open ${path}: add yourself to the group that owns it (often dialout: sudo usermod -aG dialout $USER, then log in again)`;
  if (/EBUSY|Resource busy|lock/i.test(text)) return `${path} is in use by another program (a serial monitor, another tokensmith?): close it and try again`;
  return `cannot open ${path}: ${text}`;
}
