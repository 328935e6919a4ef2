/**
 * The verdict thresholds, in one place. A destination's verdict is the first that applies:
 *
 *  1. `upload`: the client sent more than the policy allows, i.e. one connection's payload
 *     upstream exceeds the per-connection budget, or the destination's payload upstream over any
 *     rolling hour exceeds the hourly budget (the allowlist entry's override when one matches,
 *     else network.budgets). The gateway's budgets and this verdict are the same numbers.
 *  2. `download`: mostly received: payload down is more than DOWNLOAD_RATIO × payload up and
 *     more than CONTROL_MAX_BYTES.
 *  3. `control`: everything else: small exchanges (at most CONTROL_MAX_BYTES down) or balanced
 *     ones within budget (API calls, keep-alives, DNS, handshakes).
 *
 * Up and down totals are transport payload bytes as their headers declare them (retransmissions included, as
 * tshark's conversations count them); the budgets' figures (one connection's, an hour's) count
 * each stream byte once, by sequence number (Share.streamBytes), as the gateway's budgets and the
 * gate's replay do. Per direction with Zeek's meaning: orig = the side that opened the connection
 * (the device, for egress).
 */
export const VERDICT_THRESHOLDS = {
  /** Payload bytes down at or under which a destination is never a download. */
  controlMaxBytes: 16 * 1024,
  /** Down must exceed up by this factor to be a download. */
  downloadRatio: 2,
  /** The rolling window of the hourly budget, in milliseconds (the gate's HOUR_MS). */
  hourMs: 3_600_000,
} as const;

export const VERDICTS = ['upload', 'download', 'control'] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface VerdictInput {
  origBytes: number;
  respBytes: number;
  /** The largest payload upstream of one connection. */
  maxConnectionUp: number;
  /** The largest payload upstream over a rolling hour. */
  maxHourUp: number;
  budget: { perConnection: number; perHour: number };
}

export function verdictOf(d: VerdictInput): { verdict: Verdict; why: string } {
  const t = VERDICT_THRESHOLDS;
  if (d.maxConnectionUp > d.budget.perConnection)
    return {
      verdict: 'upload',
      why: `one connection sent ${d.maxConnectionUp} bytes, over the ${d.budget.perConnection}-byte connection budget`,
    };
  if (d.maxHourUp > d.budget.perHour)
    return {
      verdict: 'upload',
      why: `${d.maxHourUp} bytes sent within an hour, over the ${d.budget.perHour}-byte hourly budget`,
    };
  if (d.respBytes > t.controlMaxBytes && d.respBytes > t.downloadRatio * d.origBytes)
    return { verdict: 'download', why: `received ${d.respBytes} bytes, sent ${d.origBytes}` };
  return { verdict: 'control', why: `sent ${d.origBytes} bytes within budget, received ${d.respBytes}` };
}
