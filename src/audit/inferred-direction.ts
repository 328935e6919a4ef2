/**
 * The warning a flow gets when the capture does not show who opened it: a TCP connection whose
 * handshake was not captured (the capture began mid-connection), or a UDP flow turned round
 * because its first datagram came from a service port. Which side is the client decides what is
 * "up" and which address is judged as the destination, so the report says it was inferred.
 */
import type { NetWarning } from '../net/decode/warning.js';
import type { OrientationBasis } from '../net/flow/orientation.js';
import type { FlowObservation } from '../net/flow/types.js';
import { endpointText } from '../net/ip/address.js';

type Endpoint = { readonly h: string; readonly p: number };

/** The warning for a flow opened by `o` (at file offset `offset`), or undefined when the capture shows its client. */
export function inferredDirection(
  o: FlowObservation,
  orig: Endpoint,
  resp: Endpoint,
  basis: OrientationBasis,
  offset: number,
): NetWarning | undefined {
  if (basis === 'syn' || basis === 'syn-ack') return undefined;
  const flipped = orig.h !== o.src || orig.p !== o.srcPort;
  const tcp = o.proto === 6;
  // A UDP flow has no handshake to miss: only a turn the first datagram does not show is news.
  if (!tcp && !flipped) return undefined;
  const client = endpointText(orig.h, orig.p);
  const server = endpointText(resp.h, resp.p);
  const why =
    basis === 'first-packet'
      ? "the first packet's sender (neither port is a service port)"
      : flipped
        ? `port ${resp.p} being a service port, though the first packet came from it`
        : `port ${resp.p} being a service port`;
  return {
    name: 'direction-inferred',
    offset,
    detail: tcp
      ? `${client} -> ${server}: no handshake in the capture (it began mid-connection); ${client} is taken as the client, ${why}`
      : `${client} -> ${server}: ${client} is taken as the client, ${why}`,
  };
}
