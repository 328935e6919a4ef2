/** The furthest a JavaScript Date reaches either side of 1970 (ECMA-262 §21.4.1.1). */
const MAX_DATE_MS = 8.64e15;

/**
 * Milliseconds since 1970 as ISO 8601 (UTC). A value no Date can hold is written as its number
 * (`1.8446744073709552e+16 ms`) rather than thrown on: a capture's 64-bit timestamp or a stored
 * column is input, and a report must still be written for it.
 */
export function isoTime(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS ? new Date(ms).toISOString() : `${ms} ms`;
}

/** A capture's nanosecond timestamp as isoTime writes it. */
export const isoTimeOfNs = (ns: bigint): string => isoTime(Number(ns) / 1e6);
