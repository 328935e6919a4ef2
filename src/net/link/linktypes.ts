/** LINKTYPE_* values read here (https://www.tcpdump.org/linktypes.html). */
export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  /** DLT_RAW as written by most platforms' libpcap (12) and by OpenBSD's (14). */
  RAW_DLT12: 12,
  RAW_DLT14: 14,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export const ETHERTYPE = {
  IPV4: 0x0800,
  ARP: 0x0806,
  VLAN: 0x8100,
  QINQ: 0x88a8,
  /** Pre-standard stacked-VLAN tag still written by some switches. */
  QINQ_OLD: 0x9100,
  IPV6: 0x86dd,
} as const;
