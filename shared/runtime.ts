/**
 * Facts about the number model of the runtime executing the core.
 *
 * NodeMCU's Lua 5.3 on ESP32 uses 32-bit integers: a Unix time after 2038-01-19 can only be
 * held there as a negative integer congruent to it modulo 2^32. On such a runtime a negative
 * time or counter is a legitimate 32-bit word; everywhere else it is an input error.
 * In JS and Lua with doubles or 64-bit integers, 2147483647 + 1 is 2147483648; with 32-bit
 * integers it wraps to -2147483648.
 */
export const INT32_RUNTIME: boolean = 2147483647 + 1 < 0;

/** 2^32, exact as a double and as a float32; used only in range checks on non-int32 runtimes. */
export const TWO_POW_32 = 4294967296;
