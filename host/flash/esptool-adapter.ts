/**
 * What lets esptool-js (written for browsers) run under Node.
 *
 * esptool-js's own `Transport` wraps a Web Serial port and uses exactly this of it:
 * `open({ baudRate, ... })`, `close()`, `readable` (a ReadableStream it takes a fresh reader
 * from in a loop, and cancels to disconnect), `writable` (a WritableStream it takes a writer
 * from for each SLIP frame), `setSignals({ dataTerminalReady?, requestToSend?, break? })` for
 * the reset-into-bootloader dance, `getInfo()` for USB ids, and optionally
 * `setBaudRate(baud)` to change the speed without reopening the port.
 *
 * `WebSerialPortShim` is that object, backed by a `ByteLink`: any byte pipe with modem lines.
 * `serialPortLink` makes a ByteLink from node-serialport (binding injectable, as in
 * host/transport/serial-transport.ts); tests plug a fake ESP32 ROM in as a ByteLink directly.
 */
import type { SerialPort } from "serialport";
import { TransportError } from "../transport/transport.js";
import { explainOpenError } from "../transport/serial-transport.js";

/** A byte pipe with modem control lines: a serial port, or a fake chip in the tests. */
export interface ByteLink {
  readonly description: string;
  open(baudRate: number): Promise<void>;
  write(bytes: Uint8Array): Promise<void>;
  /** Incoming bytes; returns the unsubscribe function. */
  onData(listener: (bytes: Uint8Array) => void): () => void;
  /** Both lines are always given (node-serialport resets any line left out to its default). */
  setSignals(lines: { dtr: boolean; rts: boolean }): Promise<void>;
  setBaudRate(baudRate: number): Promise<void>;
  close(): Promise<void>;
}

type WebSerialSignals = { dataTerminalReady?: boolean; requestToSend?: boolean; break?: boolean };

/** The subset of the Web Serial `SerialPort` that esptool-js's Transport calls. */
export class WebSerialPortShim {
  private isOpen = false;
  private stream: ReadableStream<Uint8Array> | null = null;
  private controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  private sink: WritableStream<Uint8Array> | null = null;
  private unsubscribe: (() => void) | null = null;
  // Web Serial's power-on state: both lines deasserted.
  private lines = { dtr: false, rts: false };

  constructor(readonly link: ByteLink) {}

  get opened(): boolean {
    return this.isOpen;
  }

  getInfo(): { usbVendorId?: number; usbProductId?: number } {
    return {};
  }

  async open(options: { baudRate: number }): Promise<void> {
    if (this.isOpen) throw new TransportError(`${this.link.description} is already open`);
    await this.link.open(options.baudRate);
    this.isOpen = true;
    this.unsubscribe = this.link.onData((bytes) => {
      // Like Web Serial, bytes that arrive while nobody holds the readable are dropped only
      // if the stream was cancelled; otherwise they queue in the stream.
      this.controller?.enqueue(Uint8Array.from(bytes));
    });
    this.sink = new WritableStream<Uint8Array>({
      write: (chunk) => this.link.write(chunk),
    });
  }

  /** Like Web Serial: a new stream after the previous one was cancelled; null when closed. */
  get readable(): ReadableStream<Uint8Array> | null {
    if (!this.isOpen) return null;
    if (!this.stream) {
      const stream: ReadableStream<Uint8Array> = new ReadableStream<Uint8Array>({
        start: (controller) => {
          this.controller = controller;
        },
        cancel: () => {
          if (this.stream === stream) {
            this.stream = null;
            this.controller = null;
          }
        },
      });
      this.stream = stream;
    }
    return this.stream;
  }

  get writable(): WritableStream<Uint8Array> | null {
    return this.isOpen ? this.sink : null;
  }

  async setSignals(signals: WebSerialSignals): Promise<void> {
    if (!this.isOpen) throw new TransportError(`${this.link.description} is closed`);
    if (signals.dataTerminalReady !== undefined) this.lines.dtr = signals.dataTerminalReady;
    if (signals.requestToSend !== undefined) this.lines.rts = signals.requestToSend;
    await this.link.setSignals({ ...this.lines });
  }

  async setBaudRate(baudRate: number): Promise<void> {
    await this.link.setBaudRate(baudRate);
  }

  async close(): Promise<void> {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.unsubscribe?.();
    this.unsubscribe = null;
    try {
      this.controller?.close();
    } catch {
      // already cancelled
    }
    this.controller = null;
    this.stream = null;
    this.sink = null;
    await this.link.close();
  }
}

/** ENOTTY from the DTR/RTS ioctl: the device has no modem lines (a pty, for one). */
function hasNoModemLines(error: Error): boolean {
  return (error as NodeJS.ErrnoException).code === "ENOTTY" || /inappropriate ioctl/i.test(error.message);
}

/** A ByteLink over node-serialport (the tests use a real pty: see test/flash/fake-rom.ts). */
export function serialPortLink(path: string): ByteLink & { readonly port: () => SerialPort | null } {
  let port: SerialPort | null = null;
  const listeners = new Set<(bytes: Uint8Array) => void>();
  const fail = (what: string, error: Error) => new TransportError(`${what} ${path} failed: ${error.message}`);
  return {
    description: path,
    port: () => port,
    async open(baudRate) {
      const { SerialPort } = await import("serialport"); // loaded only when a board is flashed
      return new Promise((resolve, reject) => {
        const opened = new SerialPort({
          path,
          baudRate,
          autoOpen: false,
        });
        opened.on("data", (chunk: Buffer) => {
          for (const listener of listeners) listener(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        });
        opened.on("error", () => undefined); // surfaced through failed writes and timeouts
        opened.open((error) => {
          if (error) return reject(new TransportError(explainOpenError(path, error)));
          port = opened;
          resolve();
        });
      });
    },
    write(bytes) {
      return new Promise((resolve, reject) => {
        if (!port?.isOpen) return reject(new TransportError(`${path} is closed (was the cable pulled?)`));
        port.write(Buffer.from(bytes), (error) => {
          if (error) return reject(fail("writing to", error));
          port!.drain((drainError) => (drainError ? reject(fail("writing to", drainError)) : resolve()));
        });
      });
    },
    onData(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    setSignals({ dtr, rts }) {
      return new Promise((resolve, reject) => {
        if (!port?.isOpen) return reject(new TransportError(`${path} is closed`));
        // A port without modem lines (a pty, some Bluetooth or network serial ports) cannot
        // reset the board: carry on, as for a board without auto-reset. If the board was not
        // put in its bootloader by hand (BOOT held), the sync fails and says how to do that.
        port.set({ dtr, rts }, (error) => (error && !hasNoModemLines(error) ? reject(fail("setting DTR/RTS on", error)) : resolve()));
      });
    },
    setBaudRate(baudRate) {
      return new Promise((resolve, reject) => {
        if (!port?.isOpen) return reject(new TransportError(`${path} is closed`));
        port.update({ baudRate }, (error) => (error ? reject(fail(`changing to ${baudRate} baud on`, error)) : resolve()));
      });
    },
    close() {
      return new Promise((resolve) => {
        const closing = port;
        port = null;
        if (!closing?.isOpen) return resolve();
        closing.close(() => resolve());
      });
    },
  };
}
