/**
 * A token in this process (the simulator, `--port sim`) as a transport: bytes go straight into
 * its emulated UART; its answers come back synchronously, in virtual time.
 */
import { Listeners, TransportError, type Transport } from "./transport.js";
import type { InProcessToken } from "../simulator.js";

export class SimTransport implements Transport {
  readonly description = "sim";
  private readonly data = new Listeners<string>();
  private readonly closed = new Listeners<string>();
  private open = true;
  private readonly detach: () => void;

  /** `beforeClose` runs when the link closes (e.g. to save the token's flash). */
  constructor(
    readonly token: InProcessToken,
    private readonly beforeClose: () => void = () => undefined,
  ) {
    const forward = (text: string) => this.data.emit(text);
    token.on("uart", forward);
    this.detach = () => token.off("uart", forward);
  }

  async write(text: string): Promise<void> {
    if (!this.open) throw new TransportError("the simulated token's link is closed");
    this.token.sendToToken(text);
  }

  onData(listener: (text: string) => void): () => void {
    return this.data.add(listener);
  }

  onClose(listener: (reason: string) => void): () => void {
    return this.closed.add(listener);
  }

  async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    this.beforeClose();
    this.detach();
    this.closed.emit("closed");
  }
}
