/**
 * Named limits for the capture decoders, with their unit. They sit beside the shared LIMITS of
 * src/core/limits.ts (which belongs to the media side) and go through the same `bound()` guard.
 */
export const NET_LIMITS = {
  /** One pcapng block or pcap record held in memory at once: what bounds a streaming reader. */
  maxCaptureBlockBytes: 64 * 1024 * 1024,
  /** Captured bytes of one packet (Wireshark's own ceiling is 256 KiB for most link types). */
  maxPacketBytes: 1024 * 1024,
  /** How far a reader looks past a damaged record for the next plausible one. */
  resyncWindowBytes: 1024 * 1024,
  /** Interfaces declared in one pcapng section. */
  maxInterfaces: 65536,
  /** Options in one pcapng block. */
  maxOptions: 4096,
  /** 802.1Q / 802.1ad tags stacked in one Ethernet frame. */
  maxVlanTags: 8,
  /** IPv6 extension headers walked before the upper-layer header. */
  maxIpv6ExtensionHeaders: 16,
  /** A reassembled IP datagram (IPv4 total length and IPv6 payload length are 16-bit). */
  maxDatagramBytes: 65535,
  /** Fragments kept for one datagram. */
  maxFragmentsPerDatagram: 1024,
  /** Bytes held across all datagrams being reassembled. */
  maxReassemblyBytes: 32 * 1024 * 1024,
  /** Live flows in one flow table. */
  maxLiveFlows: 1_000_000,
} as const;
