# Writes, with scapy (an independent writer), the capture for extra-ports.test.ts: argv[1] the
# output file, argv[2] a JSON file of each connection's port and client stream (hex), which the
# test also plays to the gateway's own core. TCP connections from 10.9.0.2 to 198.18.7.7 (an egress
# address) on the ports the test's allowlist gives rtk.test (2101, 5443), which the box redirects
# to the gateway's `other` listener, and on two ports no entry lists (2102, 8883):
#   46001 2101 a ClientHello without SNI        46002 2101 SNI 198.18.7.9 (an IP literal)
#   46003 2101 SNI 'bad name' (no host name)    46004 5443 SNI rtk.test
#   46005 5443 SNI files.test (listed, but by another name's entry)
#   46006 2101 GET, Host rtk.test:2101          46007 2101 GET, Host 198.18.7.9:2101
#   46008 2101 GET, Host files.test             46009 2101 GET without Host (HTTP/1.0)
#   46010 2101 an MQTT CONNECT packet           46011 2101 an SSH banner
#   46012 5443 a TLS handshake record that is no ClientHello
#   46013 2101 CONNECT rtk.test:2101            46014 2101 POST with differing Content-Length
#   46015 2101 keep-alive: a GET (Host rtk.test), then CONNECT
#   46016 2101 a 40,000-byte head, in 1,000-byte segments
#   46017 2102 SNI rtk.test (no entry lists 2102)   46018 8883 an MQTT CONNECT packet
#   46019 2101 SNI 10.0.0.5 (a private literal)
# tshark is the oracle for what the file holds.
import json
import sys
from scapy_frames import client_hello, connection, write_pcap

T = "198.18.7.7"
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n"
SERVER_HELLO = b"\x16\x03\x03\x00\x04" + b"\x02\x00\x00\x00"
# MQTT 3.1.1 CONNECT (client id 'airlck'): its first byte 0x10 is no TLS record and no HTTP method.
MQTT = bytes([0x10, 0x12, 0, 4]) + b"MQTT" + bytes([4, 2, 0, 60, 0, 6]) + b"airlck"


def get(host, version=b"HTTP/1.1", extra=b""):
    return b"GET /MOUNT " + version + b"\r\n" + (b"Host: " + host + b"\r\n" if host else b"") + extra + b"\r\n"


BIG = get(b"rtk.test", extra=b"X-Pad: " + b"a" * 40000 + b"\r\n")
CONNECT = b"CONNECT rtk.test:2101 HTTP/1.1\r\nHost: rtk.test:2101\r\n\r\n"
TWO_LENGTHS = (
    b"POST /MOUNT HTTP/1.1\r\nHost: rtk.test\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"
)

CONNECTIONS = [
    (46001, 2101, [(client_hello(None), SERVER_HELLO)]),
    (46002, 2101, [(client_hello("198.18.7.9"), SERVER_HELLO)]),
    (46003, 2101, [(client_hello("bad name"), SERVER_HELLO)]),
    (46004, 5443, [(client_hello("rtk.test"), SERVER_HELLO)]),
    (46005, 5443, [(client_hello("files.test"), SERVER_HELLO)]),
    (46006, 2101, [(get(b"rtk.test:2101"), OK)]),
    (46007, 2101, [(get(b"198.18.7.9:2101"), OK)]),
    (46008, 2101, [(get(b"files.test"), OK)]),
    (46009, 2101, [(get(None, version=b"HTTP/1.0"), OK)]),
    (46010, 2101, [(MQTT, None)]),
    (46011, 2101, [(b"SSH-2.0-OpenSSH_9.6\r\n", None)]),
    (46012, 5443, [(SERVER_HELLO, None)]),
    (46013, 2101, [(CONNECT, None)]),
    (46014, 2101, [(TWO_LENGTHS, None)]),
    (46015, 2101, [(get(b"rtk.test"), OK), (CONNECT, None)]),
    (46016, 2101, [(BIG[i : i + 1000], None) for i in range(0, len(BIG), 1000)]),
    (46017, 2102, [(client_hello("rtk.test"), SERVER_HELLO)]),
    (46018, 8883, [(MQTT, None)]),
    (46019, 2101, [(client_hello("10.0.0.5"), SERVER_HELLO)]),
]

frames = []
streams = {}
for sport, dport, steps in CONNECTIONS:
    frames += connection(T, sport, dport, steps)
    streams[sport] = {"port": dport, "client": b"".join(seg for seg, _ in steps).hex()}
write_pcap(sys.argv[1], frames)
with open(sys.argv[2], "w") as f:
    json.dump(streams, f)
