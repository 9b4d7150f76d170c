/** The ledger: the embedded record of every token, and the seed escrow. */
export * from "./ledger.js";
export * from "./escrow.js";
export * from "./location.js";
