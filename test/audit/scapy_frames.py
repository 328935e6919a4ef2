# What the capture writers here share (make-*.py, run by the audit tests with Debian's scapy):
# a TLS ClientHello built by hand, and frames written to a pcap at fixed times.
from scapy.all import Ether, PcapWriter


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


def write_pcap(path, frames):
    """IP frames in Ethernet, 10 ms apart from a fixed time (the captures are reproducible)."""
    w = PcapWriter(path, linktype=1, sync=True)
    for i, f in enumerate(frames):
        f = Ether() / f
        f.time = 1700000000 + i * 0.01
        w.write(f)
    w.close()
