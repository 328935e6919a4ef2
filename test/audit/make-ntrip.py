# Writes, with scapy (an independent writer), the capture for ntrip.test.ts: argv[1] the output
# file, argv[2] a JSON file of each connection's steps (client bytes, server reply; hex), which
# the test also plays to the gateway's own core. NTRIP 1.0 rovers on 2101 to 198.18.7.7:
#   47101 GET (Host rtk.test), ICY 200 + corrections, then three positions (GGA) up
#   47102 GET and a position in one segment (before any answer), ICY 200, two positions more
#   47103 GET, an HTTP/1.0 200 answer, then bytes the client sends past its last request
#   47104 GET without Host (HTTP/1.0), ICY 200, two positions
#   47105 GET, SOURCETABLE 200 and the table, then a position
import json
import sys
from scapy_frames import connection, write_pcap

T = "198.18.7.7"
GGA = b"$GPGGA,120000.00,4724.0000000,N,00830.0000000,E,1,00,1.0,351.691,M,48.309,M,0.0,0000*5C\r\n"
RTCM = bytes([0xD3, 0x00, 0x13]) + bytes(range(0x3E, 0x3E + 40))
ICY = b"ICY 200 OK\r\n" + RTCM


def get(host):
    return b"GET /MNT HTTP/1.0\r\n" + (b"Host: " + host + b"\r\n" if host else b"") + b"User-Agent: NTRIP x\r\n\r\n"


CONNECTIONS = [
    (47101, [(get(b"rtk.test"), ICY), (GGA, RTCM), (GGA, RTCM), (GGA, None)]),
    (47102, [(get(b"rtk.test") + GGA, ICY), (GGA, RTCM), (GGA, None)]),
    (47103, [(get(b"rtk.test"), b"HTTP/1.0 200 OK\r\n\r\nsome body"), (b"extra bytes past the request", None)]),
    (47104, [(get(None), ICY), (GGA, RTCM), (GGA, None)]),
    (47105, [(get(b"rtk.test"), b"SOURCETABLE 200 OK\r\nContent-Type: text/plain\r\n\r\nSTR;MNT;\r\nENDSOURCETABLE\r\n"), (GGA, None)]),
]

frames = []
steps = {}
for sport, s in CONNECTIONS:
    frames += connection(T, sport, 2101, s)
    steps[sport] = [[c.hex(), r.hex() if r else None] for c, r in s]
write_pcap(sys.argv[1], frames)
with open(sys.argv[2], "w") as f:
    json.dump(steps, f)
