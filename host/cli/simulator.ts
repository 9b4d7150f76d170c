/**
 * The simulated token the command line offers (`--port sim`, `batch --port sim`, `demo`, `sim`):
 * the one place the CLI reaches into hardware/sim. The host library gets it injected as a
 * SimulatorFactory (host/simulator.ts) and never imports the simulator itself.
 */
import type { SimulatorFactory } from "../index.js";
import { simulatorFactory } from "../../hardware/sim/factory.js";

export const simulator: SimulatorFactory = simulatorFactory;

export { runSimSession } from "../../hardware/sim/session.js";
export { parseListenAddress } from "../../hardware/sim/uart-server.js";
export { CONTROL_HELP } from "../../hardware/sim/control.js";
