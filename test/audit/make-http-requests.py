# Writes, with scapy (an independent writer), plain-HTTP and forward-proxy captures for
# http-requests.test.ts: argv[1] the output file, argv[2] the scenario.
#   keepalive: TCP connections from 10.9.0.2 to 198.18.7.7:80, several requests on each
#              (keep-alive, pipelined, chunked, retransmitted and reordered segments, a request
#              after one whose client said 'close' or after a refusal)
#   proxy:     TCP connections from 10.9.0.2 to a proxy on the LAN, 10.9.0.1:3128: CONNECT with a
#              TLS tunnel, absolute-URI requests on one connection, and requests the proxy refuses
#   nameless:  TCP connections from 10.9.0.2 to 198.18.7.7:80 whose requests (first, or later on
#              a keep-alive connection) carry no Host, or an IP literal in it
# Each connection is a list of client segments (bytes, or (offset, bytes) to place a segment
# anywhere in the stream: reordered, retransmitted), each answered by the server. tshark is the
# oracle for what the file holds.
import sys
from scapy_frames import u16, client_hello, connection, write_pcap


def response(status, body=b"ok\n"):
    return b"HTTP/1.1 %d X\r\nContent-Length: %d\r\n\r\n%s" % (status, len(body), body)


def get(host, path="/", extra=b"", version=b"HTTP/1.1"):
    return b"GET " + path.encode() + b" " + version + b"\r\nHost: " + host.encode() + b"\r\n" + extra + b"\r\n"


def post(host, n, extra=b""):
    return b"POST /up HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n%s\r\n" % (host.encode(), n, extra) + b"u" * n


def chunked(host, parts):
    body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"
    return b"POST /up HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\n\r\n" % host.encode() + body


def keepalive():
    T = "198.18.7.7"
    frames = []
    # 41001: four requests to three names; after the refusal, one more that the gateway never reads.
    frames += connection(T, 41001, 80, [
        (get("files.test", "/a"), response(200)),
        (post("up.test", 300), response(200)),
        (chunked("up.test", [b"c" * 100, b"d" * 50]), response(200)),
        (get("elsewhere.test", "/b"), response(403)),
        (get("files.test", "/after"), None),
    ])
    # 41002: two requests pipelined in one segment, that segment retransmitted; a third request
    # whose two halves arrive in reverse order.
    pipelined = get("files.test", "/p1") + get("up.test", "/p2")
    third = get("files.test", "/p3")
    half = 20
    base = len(pipelined)
    frames += connection(T, 41002, 80, [
        (pipelined, response(200) + response(200)),
        ((0, pipelined), None),
        ((base + half, third[half:]), None),
        ((base, third[:half]), response(200)),
    ])
    # 41003: the client says 'Connection: close', then sends another request anyway.
    frames += connection(T, 41003, 80, [
        (get("files.test", "/c", b"Connection: close\r\n"), response(200)),
        (get("up.test", "/never"), None),
    ])
    # 41004: HTTP/1.0: keep-alive said on the first, not on the second; a third is never read.
    frames += connection(T, 41004, 80, [
        (get("files.test", "/k", b"Connection: keep-alive\r\n", b"HTTP/1.0"), response(200)),
        (get("up.test", "/k2", b"", b"HTTP/1.0"), response(200)),
        (get("files.test", "/k3"), None),
    ])
    # 41005: uploads under a 4,096-byte connection budget: two of 3,000 pass (each its own
    # budget), a third of 5,000 is cut. Its head carries hop-by-hop fields the gateway drops.
    frames += connection(T, 41005, 80, [
        (post("up.test", 3000), response(200)),
        (post("up.test", 3000), response(200)),
        (post("up.test", 5000, b"Connection: keep-alive\r\nProxy-Connection: keep-alive\r\n"), None),
    ])
    return frames


def proxy():
    P = "10.9.0.1"
    frames = []
    established = b"HTTP/1.1 200 Connection established\r\n\r\n"
    # 42001: CONNECT, then a TLS ClientHello and 500 bytes through the tunnel.
    frames += connection(P, 42001, 3128, [
        (b"CONNECT files.test:443 HTTP/1.1\r\nHost: files.test:443\r\n\r\n", established),
        (client_hello("files.test"), b"\x16\x03\x03" + u16(40) + bytes(40)),
        (b"\x17\x03\x03" + u16(495) + bytes(495), None),
    ])
    # 42002: absolute-URI requests on one connection: an allowed name, then a refused one.
    frames += connection(P, 42002, 3128, [
        (get("files.test", "http://files.test/a", b"Proxy-Connection: keep-alive\r\n"), response(200)),
        (get("elsewhere.test", "http://elsewhere.test/b"), response(403)),
    ])
    # 42003: origin form to the proxy: not a proxy request.
    frames += connection(P, 42003, 3128, [(get("files.test", "/x"), response(400))])
    # 42004: CONNECT to an IP literal: the gate judges the address (no name).
    frames += connection(P, 42004, 3128, [
        (b"CONNECT 198.18.7.7:443 HTTP/1.1\r\n\r\n", response(403)),
    ])
    # 42005: an https:// URI (the proxy would have to speak TLS) and 42006: CONNECT without a port.
    frames += connection(P, 42005, 3128, [(get("files.test", "https://files.test/"), response(400))])
    frames += connection(P, 42006, 3128, [(b"CONNECT files.test HTTP/1.1\r\n\r\n", response(400))])
    # 42007: an absolute URI to a port the allowlist entry does not list.
    frames += connection(P, 42007, 3128, [(get("files.test", "http://files.test:8080/"), response(403))])
    # 42008: a tunnel to up.test that sends more than its 4,096-byte budget (the CONNECT head not counted).
    frames += connection(P, 42008, 3128, [
        (b"CONNECT up.test:443 HTTP/1.1\r\n\r\n", established),
        (client_hello("up.test"), None),
        (b"\x17\x03\x03" + u16(4995) + bytes(4995), None),
    ])
    return frames


def nameless():
    T = "198.18.7.7"
    no_host = b"GET /n HTTP/1.1\r\n\r\n"
    frames = []
    # 43001: a request without Host after an allowed one; one more that the gateway never reads.
    frames += connection(T, 43001, 80, [
        (get("files.test", "/a"), response(200)),
        (no_host, response(403)),
        (get("files.test", "/never"), None),
    ])
    # 43002: IP literals in Host after an allowed request: a public IPv6 one, then a private one.
    frames += connection(T, 43002, 80, [
        (get("files.test", "/a"), response(200)),
        (get("[2001:db8::1]:80", "/v6"), response(200)),
        (get("10.0.0.5", "/lan"), response(403)),
        (get("files.test", "/never"), None),
    ])
    # 43003: an HTTP/1.0 request without Host, alone.
    frames += connection(T, 43003, 80, [(b"GET /n HTTP/1.0\r\n\r\n", response(403))])
    return frames


frames = {"keepalive": keepalive, "proxy": proxy, "nameless": nameless}[sys.argv[2]]()
write_pcap(sys.argv[1], frames)
