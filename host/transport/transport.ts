/**
 * The transport seam: how host code reaches a token's console UART. Real serial, TCP (the
 * simulator, or a serial-over-TCP bridge) and the in-process simulator implement it; the
 * protocol client and every end-to-end suite are written once against it.
 */
import { TransportError } from "../errors.js";
export { TransportError };
export interface Transport {
  /** For messages: "/dev/ttyUSB0", "tcp://127.0.0.1:7000", "sim". */
  readonly description: string;
  /** Sends bytes (a latin1 string) to the token. Rejects with TransportError when closed. */
  write(text: string): Promise<void>;
  /** Subscribes to bytes from the token; returns the unsubscribe function. */
  onData(listener: (text: string) => void): () => void;
  /** Subscribes to the link going away (cable pulled, socket closed). */
  onClose(listener: (reason: string) => void): () => void;
  close(): Promise<void>;
}

/** A tiny listener list, shared by the transports. */
export class Listeners<T> {
  private readonly listeners = new Set<(value: T) => void>();

  add(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(value: T): void {
    for (const listener of [...this.listeners]) listener(value);
  }
}
