/** Flows in Zeek's conn.log vocabulary (orig = the side that opened the conversation). */
export interface FlowObservation {
  readonly ts: bigint;
  /** IP protocol number (6 TCP, 17 UDP, …). */
  readonly proto: number;
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
  /**
   * src and dst as 32-bit numbers (IpPacket.srcKey/dstKey), so the flow table finds the flow
   * without building a key string. Optional: without them the table hashes the text. A table must
   * be fed observations of one kind (all with keys, or all without).
   */
  readonly srcKey?: number | undefined;
  readonly dstKey?: number | undefined;
  /** The IP datagram's declared length (Zeek's ip_bytes). */
  readonly ipBytes: number;
  /** The frame's length on the wire (tshark's frame.len: the capture's original length). */
  readonly frameBytes: number;
  /**
   * Transport payload bytes as the headers declare them (tshark's tcp.len), so a packet cut by the
   * capture's snap length counts what crossed the wire, not what was kept (observe.ts).
   */
  readonly payloadBytes: number;
  /** TCP flag bits, for TCP. */
  readonly tcpFlags?: number;
  /** The TCP sequence number, for TCP. */
  readonly tcpSeq?: number;
}

export interface DirectionCounts {
  pkts: number;
  ipBytes: number;
  frameBytes: number;
  /** Payload bytes, every retransmission included (tshark's tcp.len summed: bytes past a snap length too). */
  bytes: number;
  /**
   * Stream bytes by sequence number, as Zeek's orig_bytes/resp_bytes: a retransmission adds
   * nothing, bytes the capture missed in a gap are counted (src/net/flow/seq-advance.ts). The
   * same as `bytes` for UDP and other IP.
   */
  streamBytes: number;
}

export interface FlowRecord {
  /** Sequential per table: 'C1', 'C2'… */
  readonly uid: string;
  /** First and last packet, nanoseconds since 1970. */
  readonly ts: bigint;
  readonly lastTs: bigint;
  readonly proto: number;
  readonly orig: { readonly h: string; readonly p: number };
  readonly resp: { readonly h: string; readonly p: number };
  readonly origCounts: Readonly<DirectionCounts>;
  readonly respCounts: Readonly<DirectionCounts>;
  /**
   * TCP only, Zeek's history letters (first occurrence each): S h A D F R from orig, lower case from
   * resp; '^' first when the flow was turned round by its ports, its handshake not seen (orientation.ts).
   */
  readonly history?: string;
  readonly tcp?: {
    readonly synSeen: boolean;
    readonly synAckSeen: boolean;
    readonly finOrig: boolean;
    readonly finResp: boolean;
    readonly rst: boolean;
  };
  /** Why the record was emitted (reuse: a new connection's SYN on the same 5-tuple). */
  readonly end: 'idle' | 'capacity' | 'flush' | 'reuse';
}
