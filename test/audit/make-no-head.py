# Writes, with scapy (an independent writer), the capture for no-head.test.ts: argv[1] the output
# file, argv[2] a JSON file of each connection's port, server, the client bytes that reached the
# gateway while it waited (hex), and how that wait ended ('closed', 'timeout', or null when the
# gateway never holds the connection or the capture cannot show the end), which the test also
# plays to the gateway's own core. TCP from 10.9.0.2, each connection 10 s after the one before;
# the test's policy gives the gateway a 3 s handshake timeout. To 198.18.7.7 (an egress address)
# unless said otherwise:
#   47001 443 FIN at once                  47002 443 RST at once
#   47003 80 half a head, then FIN          47004 443 silence; the gateway's FIN at 3.05 s
#   47005 80 half a head; 408 and FIN at 3.05 s
#   47006 443 a ClientHello (files.test) at 3.5 s, after the gateway gave up
#   47007 443 a ClientHello (files.test) at 2.5 s, in time
#   47008 2101 (an extra port) FIN at once
#   47009 10.9.0.1:3128 (the proxy) FIN at once          47010 the proxy: silence past 3 s
#   47011 the proxy: half a CONNECT head, then FIN
#   47012 853 (no front: the box drops it) FIN at once
#   47013 443 FIN, its SYN not in the capture (it began before)
#   47014 10.9.0.1:8080 (LAN, no proxy listener) FIN at once
#   47016 the proxy: a whole CONNECT head (elsewhere.test), refused (403), then FIN
#   47015 443 silence, the capture ending 1 s after its SYN (last)
# tshark is the oracle for what the file holds.
import json
import sys
from scapy.all import IP, TCP, Ether, PcapWriter, Raw
from scapy_frames import client_hello

C = "10.9.0.2"
EGRESS = "198.18.7.7"
PROXY = "10.9.0.1"
T0 = 1700000000.0
TIMEOUT = 3.0  # the test's gateway.handshakeTimeoutSeconds


def conn(base, sport, server, dport, steps, syn=True):
    """Frames (time, packet) of one connection. steps: (seconds after the SYN, who, flags, bytes)."""
    cs, ss = 1000, 5000
    c2s = lambda f, seq, ack, data=b"": IP(src=C, dst=server) / TCP(
        sport=sport, dport=dport, flags=f, seq=seq, ack=ack
    ) / (Raw(data) if data else b"")
    s2c = lambda f, seq, ack, data=b"": IP(src=server, dst=C) / TCP(
        sport=dport, dport=sport, flags=f, seq=seq, ack=ack
    ) / (Raw(data) if data else b"")
    out = []
    if syn:
        out += [(base, c2s("S", cs, 0)), (base + 0.001, s2c("SA", ss, cs + 1)), (base + 0.002, c2s("A", cs + 1, ss + 1))]
    at, sat = 0, 0
    for t, who, flags, data in steps:
        if who == "c":
            out.append((base + t, c2s(flags, cs + 1 + at, ss + 1 + sat, data)))
            at += len(data) + (1 if "F" in flags else 0)
        else:
            out.append((base + t, s2c(flags, ss + 1 + sat, cs + 1 + at, data)))
            sat += len(data) + (1 if "F" in flags else 0)
    return out


HALF_GET = b"GET /blob HTTP/1.1\r\nHost: files.test\r\n"
HALF_CONNECT = b"CONNECT files.test:443 HTTP/1.1\r\n"
HELLO = client_hello("files.test")
WHOLE_CONNECT = b"CONNECT elsewhere.test:443 HTTP/1.1\r\nHost: elsewhere.test:443\r\n\r\n"
R403 = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
R408 = b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

# sport: (server, port, steps, the gateway's wait ended by, SYN in the capture)
CONNS = {
    47001: (EGRESS, 443, [(0.1, "c", "FA", b"")], "closed", True),
    47002: (EGRESS, 443, [(0.1, "c", "R", b"")], "closed", True),
    47003: (EGRESS, 80, [(0.1, "c", "PA", HALF_GET), (0.2, "c", "FA", b"")], "closed", True),
    47004: (EGRESS, 443, [(3.05, "s", "FA", b""), (3.06, "c", "FA", b"")], "timeout", True),
    47005: (
        EGRESS,
        80,
        [(0.1, "c", "PA", HALF_GET), (3.05, "s", "PA", R408), (3.051, "s", "FA", b""), (3.06, "c", "FA", b"")],
        "timeout",
        True,
    ),
    47006: (EGRESS, 443, [(3.5, "c", "PA", HELLO), (3.6, "c", "FA", b"")], "timeout", True),
    47007: (EGRESS, 443, [(2.5, "c", "PA", HELLO), (2.6, "c", "FA", b"")], None, True),
    47008: (EGRESS, 2101, [(0.1, "c", "FA", b"")], "closed", True),
    47009: (PROXY, 3128, [(0.1, "c", "FA", b"")], "closed", True),
    47010: (PROXY, 3128, [(3.05, "s", "FA", b""), (3.06, "c", "FA", b"")], "timeout", True),
    47011: (PROXY, 3128, [(0.1, "c", "PA", HALF_CONNECT), (0.2, "c", "FA", b"")], "closed", True),
    47012: (EGRESS, 853, [(0.1, "c", "FA", b"")], None, True),
    47013: (EGRESS, 443, [(0.1, "c", "A", b""), (0.2, "c", "FA", b"")], None, False),
    47014: (PROXY, 8080, [(0.1, "c", "FA", b"")], None, True),
    47016: (
        PROXY,
        3128,
        [(0.1, "c", "PA", WHOLE_CONNECT), (0.11, "s", "PA", R403), (0.2, "c", "FA", b"")],
        None,
        True,
    ),
    47015: (EGRESS, 443, [], None, True),
}

frames = []
info = {}
for i, (sport, (server, dport, steps, ended, syn)) in enumerate(CONNS.items()):
    frames += conn(T0 + 10 * i, sport, server, dport, steps, syn)
    # What reached the gateway while it waited: all, or what came before its timeout.
    client = b"".join(d for t, who, _, d in steps if who == "c" and (ended != "timeout" or t < TIMEOUT))
    info[sport] = {"server": server, "port": dport, "client": client.hex(), "ended": ended}
# The capture runs on 1 s past the last SYN: a packet of another conversation (a lone RST).
last = T0 + 10 * (len(CONNS) - 1) + 1.0
frames.append((last, IP(src=C, dst=EGRESS) / TCP(sport=47099, dport=9, flags="R", seq=1)))

w = PcapWriter(sys.argv[1], linktype=1, sync=True)
for t, f in sorted(frames, key=lambda x: x[0]):
    e = Ether() / f
    e.time = t
    w.write(e)
w.close()
with open(sys.argv[2], "w") as fh:
    json.dump(info, fh)
