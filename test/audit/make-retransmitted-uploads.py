# Writes, with scapy (an independent writer), the capture for retransmitted-uploads.test.ts:
# argv[1] the output file. Pairs of TCP connections from 10.9.0.2 to 198.18.7.7, the second of
# each pair the first with every client data segment after the head sent twice (a retransmission
# at its own stream offset), as a tablet on a lossy Wi-Fi link sends it:
#   45001/45002 TLS to files.test (its SNI), 3 records of 1,000 bytes
#   45003/45004 TLS to files.test, 6 records of 1,000 bytes
#   45005/45006 plain HTTP on 80: an NTRIP 1.0 request (Host: files.test) answered ICY 200, then
#               3 segments of 1,000 bytes up (the exchange is a stream: every byte goes up)
# tshark is the oracle for what the file holds (each stream's bytes, the payload captured).
import sys
from scapy_frames import client_hello, connection, write_pcap

T = "198.18.7.7"
SERVER_BYTES = b"\x16\x03\x03\x00\x04" + b"\x02\x00\x00\x00"


def record(i):
    """A TLS application-data record of 1,000 bytes in all."""
    return b"\x17\x03\x03" + (995).to_bytes(2, "big") + bytes((i * 31 + k) % 256 for k in range(995))


def steps(head, reply, segments, retransmit):
    out = [(head, reply)]
    at = len(head)
    for s in segments:
        out.append((s, None))
        if retransmit:
            out.append(((at, s), None))
        at += len(s)
    return out


hello = client_hello("files.test")
ntrip = b"GET /MNT HTTP/1.0\r\nHost: files.test\r\nUser-Agent: NTRIP test\r\n\r\n"
nmea = [bytes((i * 7 + k) % 94 + 32 for k in range(1000)) for i in range(3)]
frames = []
for port, n in ((45001, 3), (45003, 6)):
    for retransmit in (False, True):
        frames += connection(T, port + retransmit, 443, steps(hello, SERVER_BYTES, [record(i) for i in range(n)], retransmit))
for retransmit in (False, True):
    frames += connection(T, 45005 + retransmit, 80, steps(ntrip, b"ICY 200 OK\r\n\r\n", nmea, retransmit))
write_pcap(sys.argv[1], frames)
