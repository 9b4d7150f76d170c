/**
 * A token reached over TCP (`--port tcp://HOST:PORT`): the simulator's UART socket, or a
 * serial-over-TCP bridge (ser2net, socat) in front of a real board.
 */
import net from "node:net";
import { Listeners, TransportError, type Transport } from "./transport.js";
import { InputError } from "../errors.js";

export function parseTcpAddress(address: string): { host: string; port: number } {
  const match = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d{1,5})$/.exec(address);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port < 1 || port > 65535) {
    throw new InputError(`"${address}" is not a TCP address: write it as tcp://HOST:PORT (port 1 to 65535), for example tcp://127.0.0.1:7000`);
  }
  return { host: match[1].replace(/^\[|\]$/g, ""), port };
}

export class TcpTransport implements Transport {
  private readonly data = new Listeners<string>();
  private readonly closed = new Listeners<string>();
  private open = true;

  private constructor(
    readonly description: string,
    private readonly socket: net.Socket,
  ) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.data.emit(chunk.toString("latin1")));
    socket.on("close", () => {
      if (this.open) {
        this.open = false;
        this.closed.emit(`the connection to ${description} closed`);
      }
    });
    socket.on("error", () => undefined); // surfaced through close and failed writes
  }

  static connect(address: string, timeoutMs = 5000): Promise<TcpTransport> {
    const { host, port } = parseTcpAddress(address);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new TransportError(`no answer from ${address} within ${timeoutMs} ms: is the simulator or bridge running?`));
      }, timeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve(new TcpTransport(address, socket));
      });
      socket.once("error", (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new TransportError(`cannot connect to ${address} (${error.code ?? error.message}): start \`tokensmith sim --listen ${host}:${port}\` or check the bridge`));
      });
    });
  }

  write(text: string): Promise<void> {
    if (!this.open) return Promise.reject(new TransportError(`the connection to ${this.description} is closed`));
    return new Promise((resolve, reject) => {
      this.socket.write(Buffer.from(text, "latin1"), (error) => (error ? reject(new TransportError(`writing to ${this.description} failed: ${error.message}`)) : resolve()));
    });
  }

  onData(listener: (text: string) => void): () => void {
    return this.data.add(listener);
  }

  onClose(listener: (reason: string) => void): () => void {
    return this.closed.add(listener);
  }

  async close(): Promise<void> {
    this.open = false;
    await new Promise<void>((resolve) => this.socket.end(() => resolve()));
    this.socket.destroy();
  }
}
