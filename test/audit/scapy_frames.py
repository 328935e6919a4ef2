# What the capture writers here share (make-*.py, run by the audit tests with Debian's scapy):
# a TLS ClientHello built by hand, a TCP connection's frames, and frames written to a pcap at
# fixed times.
from scapy.all import IP, TCP, Ether, PcapWriter, Raw


def u16(n):
    return n.to_bytes(2, "big")


def client_hello(sni):
    """A TLS 1.3 ClientHello with one cipher suite and, when `sni` is given, its server_name."""
    exts = b""
    if sni:
        entry = b"\x00" + u16(len(sni)) + sni.encode()
        exts = b"\x00\x00" + u16(len(entry) + 2) + u16(len(entry)) + entry
    body = b"\x03\x03" + bytes(32) + b"\x00" + u16(2) + b"\x13\x01" + b"\x01\x00" + u16(len(exts)) + exts
    hs = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + u16(len(hs)) + hs


C = "10.9.0.2"


def connection(server, sport, dport, steps):
    """TCP from C to server:dport, from its handshake to its FIN exchange. steps: (client
    segment, server reply or None); a client segment is bytes (next in the stream) or (offset,
    bytes) placed at that stream offset (a retransmission, or out of order)."""
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


def write_pcap(path, frames):
    """IP frames in Ethernet, 10 ms apart from a fixed time (the captures are reproducible)."""
    w = PcapWriter(path, linktype=1, sync=True)
    for i, f in enumerate(frames):
        f = Ether() / f
        f.time = 1700000000 + i * 0.01
        w.write(f)
    w.close()
