# Writes, with scapy (an independent writer), the TLS capture for tls-names.test.ts: argv[1] the
# output file. TCP connections from 10.9.0.2 to 198.18.7.7:443, each a ClientHello (built by
# hand: scapy_frames.client_hello) answered by a few server bytes, named by its SNI:
#   44001 none at all       44002 198.18.7.9 (an IP literal, another address than the one aimed at)
#   44003 'bad name' (no host name)   44004 10.0.0.5 (a private literal)   44005 files.test
#   44006 2001:db8::1 (an IPv6 literal)
# tshark is the oracle for what the file holds.
import sys
from scapy_frames import client_hello, connection, write_pcap

T = "198.18.7.7"
SERVER_BYTES = b"\x16\x03\x03\x00\x04" + b"\x02\x00\x00\x00"
SNIS = [None, "198.18.7.9", "bad name", "10.0.0.5", "files.test", "2001:db8::1"]

frames = []
for i, sni in enumerate(SNIS):
    frames += connection(T, 44001 + i, 443, [(client_hello(sni), SERVER_BYTES)])
write_pcap(sys.argv[1], frames)
