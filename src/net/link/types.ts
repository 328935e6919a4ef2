/** What a link-layer decoder says a frame carries. */
export interface LinkFrame {
  readonly linkType: number;
  /**
   * The network protocol: 'ipv4'/'ipv6', 'other' (a protocol read here but not IP, e.g. ARP),
   * 'unsupported-link' (a link type this module does not read: counted by the caller).
   */
  readonly network: 'ipv4' | 'ipv6' | 'other' | 'unsupported-link';
  /** EtherType (or the equivalent protocol code of the link type) when known. */
  readonly protocol?: number;
  /** Offset of the network header in the frame. */
  readonly payloadOffset: number;
  /** 802.1Q/802.1ad VLAN IDs, outermost first. */
  readonly vlans: readonly number[];
}
