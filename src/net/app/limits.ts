/**
 * Named limits for the application-layer name decoders, with their unit. They go through the
 * shared `bound()` guard like NET_LIMITS.
 */
export const APP_LIMITS = {
  /** One DNS message (UDP payloads and TCP-framed messages are 16-bit lengths). */
  maxDnsMessageBytes: 65535,
  /** Questions plus records declared in one DNS message. */
  maxDnsRecords: 4096,
  /** Compression pointers followed while reading one name: stops pointer loops. */
  maxDnsPointerJumps: 64,
  /** RFC 1035 §3.1: a name is at most 255 octets on the wire. */
  maxDnsNameBytes: 255,
  /** SvcParams in one SVCB/HTTPS record. */
  maxSvcParams: 64,
  /** A ClientHello handshake message (post-quantum hellos are about 2 KiB; 24-bit field allows 16 MiB). */
  maxClientHelloBytes: 64 * 1024,
  /** Extensions in one ClientHello. */
  maxTlsExtensions: 256,
  /** A TLS record's fragment (RFC 8446 §5.1: 2^14, plus slack for old stacks). */
  maxTlsRecordBytes: 16384 + 2048,
  /** An HTTP/1 request head (request line and headers). */
  maxHttpHeadBytes: 64 * 1024,
  /** Header fields in one HTTP/1 request head. */
  maxHttpHeaders: 256,
  /** Bytes of a TCP stream's beginning held to classify it (TLS hello, HTTP head, CONNECT + hello). */
  maxStreamHeadBytes: 128 * 1024,
  /** Bytes of each direction of a DNS-over-TCP stream read for messages (past it, the flow is judged by what was read). */
  maxDnsTcpStreamBytes: 128 * 1024,
  /** Out-of-order TCP segments held while waiting for a gap to fill. */
  maxPendingSegments: 256,
  /** Bytes of those segments one followed stream (StreamCursor: a keep-alive HTTP connection) holds. */
  maxHeldStreamBytes: 128 * 1024,
  /** The last bytes a followed stream handed on that a late copy is compared with (a copy that differs is flagged). */
  maxComparedStreamBytes: 16 * 1024,
  /** Nested CONNECT tunnels read through at the head of one stream. */
  maxTunnelDepth: 2,
  /** Client Initial packets gathered for one QUIC connection before giving up. */
  maxQuicInitialPackets: 64,
  /** Bytes of the Initial CRYPTO stream reassembled (the ClientHello lives here). */
  maxQuicCryptoBytes: 64 * 1024,
  /** Disjoint CRYPTO ranges held while waiting for gaps to fill. */
  maxQuicCryptoRanges: 256,
  /** Coalesced QUIC packets read from one datagram. */
  maxCoalescedPackets: 16,
  /** QUIC connection ID length (RFC 9000 §17.2: at most 20 bytes in v1/v2). */
  maxConnectionIdBytes: 20,
} as const;
