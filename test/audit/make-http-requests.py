# Writes, with scapy (an independent writer), plain-HTTP and forward-proxy captures for
# http-requests.test.ts: argv[1] the output file, argv[2] the scenario.
#   keepalive: TCP connections from 10.9.0.2 to 198.18.7.7:80, several requests on each
#              (keep-alive, pipelined, chunked, retransmitted and reordered segments, a request
#              after one whose client said 'close' or after a refusal)
#   proxy:     TCP connections from 10.9.0.2 to a proxy on the LAN, 10.9.0.1:3128: CONNECT with a
#              TLS tunnel, absolute-URI requests on one connection, and requests the proxy refuses
# Each connection is a list of client segments (bytes, or (offset, bytes) to place a segment
# anywhere in the stream: reordered, retransmitted), each answered by the server. tshark is the
# oracle for what the file holds.
import sys
from scapy.all import IP, TCP, Raw
from scapy_frames import u16, client_hello, write_pcap

C = "10.9.0.2"


def response(status, body=b"ok\n"):
    return b"HTTP/1.1 %d X\r\nContent-Length: %d\r\n\r\n%s" % (status, len(body), body)


def connection(server, sport, dport, steps):
    """steps: (client segment, server reply or None); a client segment is bytes (next in the
    stream) or (offset, bytes) placed at that stream offset (a retransmission, or out of order)."""
    cs, ss = 1000, 5000
    out = [
        IP(src=C, dst=server) / TCP(sport=sport, dport=dport, flags="S", seq=cs),
        IP(src=server, dst=C) / TCP(sport=dport, dport=sport, flags="SA", seq=ss, ack=cs + 1),
        IP(src=C, dst=server) / TCP(sport=sport, dport=dport, flags="A", seq=cs + 1, ack=ss + 1),
    ]
    at, sat = 0, 0
    for seg, reply in steps:
        if isinstance(seg, tuple):
            off, data = seg
            at = max(at, off + len(data))
        else:
            off, data = at, seg
            at += len(seg)
        out.append(
            IP(src=C, dst=server)
            / TCP(sport=sport, dport=dport, flags="PA", seq=cs + 1 + off, ack=ss + 1 + sat)
            / Raw(data)
        )
        if reply:
            out.append(
                IP(src=server, dst=C)
                / TCP(sport=dport, dport=sport, flags="PA", seq=ss + 1 + sat, ack=cs + 1 + at)
                / Raw(reply)
            )
            sat += len(reply)
    out += [
        IP(src=C, dst=server) / TCP(sport=sport, dport=dport, flags="FA", seq=cs + 1 + at, ack=ss + 1 + sat),
        IP(src=server, dst=C) / TCP(sport=dport, dport=sport, flags="FA", seq=ss + 1 + sat, ack=cs + 2 + at),
        IP(src=C, dst=server) / TCP(sport=sport, dport=dport, flags="A", seq=cs + 2 + at, ack=ss + 2 + sat),
    ]
    return out


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


frames = {"keepalive": keepalive, "proxy": proxy}[sys.argv[2]]()
write_pcap(sys.argv[1], frames)
