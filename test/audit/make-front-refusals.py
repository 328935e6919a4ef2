# Writes, with scapy (an independent writer), the capture for front-refusals.test.ts: argv[1] the
# output file. TCP connections from 10.9.0.2 to 198.18.7.7 (an egress address) on the transparent
# TLS port (443) and HTTP port (80), whose heads the gateway's fronts refuse before the gate is
# asked, or (the last few) read and name:
#   45001 443 a plain HTTP request            45002 443 an SSH banner
#   45003 80  CONNECT files.test:443          45004 80  OPTIONS *
#   45005 80  two differing Content-Length    45006 80  Content-Length and Transfer-Encoding
#   45007 80  HTTP/2.0                        45008 80  a TLS ClientHello (SNI files.test)
#   45009 80  a 40,000-byte head, in 1,000-byte segments
#   45010 80  keep-alive: a GET, then a request with differing Content-Length
#   45011 80  keep-alive: a GET, then CONNECT    45015 80 keep-alive: a GET, then a 40,000-byte head
#   45012 443 a ClientHello (SNI files.test)  45013 80  a GET (Host files.test)
#   45014 80  a GET whose method is lower case ('get': a token, so HTTP to the front)
#   45016 443 captured mid-connection (no handshake): TLS application data, which no front read as a head
# tshark is the oracle for what the file holds.
import sys
from scapy.all import IP, TCP, Raw
from scapy_frames import C, client_hello, connection, write_pcap

T = "198.18.7.7"
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n"
SERVER_HELLO = b"\x16\x03\x03\x00\x04" + b"\x02\x00\x00\x00"


def get(host=b"files.test", method=b"GET", target=b"/", version=b"HTTP/1.1", extra=b""):
    return method + b" " + target + b" " + version + b"\r\nHost: " + host + b"\r\n" + extra + b"\r\n"


PAD = b"X-Pad: " + b"a" * 40000 + b"\r\n"
BIG = get(extra=PAD)
TWO_LENGTHS = get(method=b"POST", extra=b"Content-Length: 3\r\nContent-Length: 4\r\n") + b"abcd"
BOTH = get(method=b"POST", extra=b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n") + b"3\r\nabc\r\n0\r\n\r\n"
CONNECT = b"CONNECT files.test:443 HTTP/1.1\r\nHost: files.test:443\r\n\r\n"

CONNECTIONS = [
    (45001, 443, [(get(), OK)]),
    (45002, 443, [(b"SSH-2.0-OpenSSH_9.6\r\n", b"SSH-2.0-OpenSSH_9.6\r\n")]),
    (45003, 80, [(CONNECT, None), (client_hello("files.test"), None)]),
    (45004, 80, [(get(method=b"OPTIONS", target=b"*"), OK)]),
    (45005, 80, [(TWO_LENGTHS, None)]),
    (45006, 80, [(BOTH, None)]),
    (45007, 80, [(get(version=b"HTTP/2.0"), None)]),
    (45008, 80, [(client_hello("files.test"), None)]),
    (45009, 80, [(BIG[i : i + 1000], None) for i in range(0, len(BIG), 1000)]),
    (45010, 80, [(get(), OK), (TWO_LENGTHS, None)]),
    (45011, 80, [(get(), OK), (CONNECT, None)]),
    (45012, 443, [(client_hello("files.test"), SERVER_HELLO)]),
    (45013, 80, [(get(), OK)]),
    (45014, 80, [(get(method=b"get"), OK)]),
    (45015, 80, [(get(), OK)] + [(BIG[i : i + 1000], None) for i in range(0, len(BIG), 1000)]),
]

frames = []
for sport, dport, steps in CONNECTIONS:
    frames += connection(T, sport, dport, steps)
APP_DATA = b"\x17\x03\x03\x00\x05hello"
frames += [
    IP(src=C, dst=T) / TCP(sport=45016, dport=443, flags="PA", seq=7000, ack=9000) / Raw(APP_DATA),
    IP(src=T, dst=C) / TCP(sport=443, dport=45016, flags="PA", seq=9000, ack=7000 + len(APP_DATA)) / Raw(APP_DATA),
]
write_pcap(sys.argv[1], frames)
