# Writes, with scapy (an independent writer), to argv[1]: a DNS answer naming maps.example.test
# 198.18.7.7, then three TCP connections to that address: a TLS ClientHello without SNI (443), one
# with SNI maps.example.test (443), and an HTTP/1.0 request without a Host field (80). Only the
# second names itself; the other two are named by the DNS answer alone. tshark is the oracle.
import sys
from scapy.all import Ether, IP, UDP, TCP, DNS, DNSQR, DNSRR, Raw, PcapWriter

C, R, T, NAME = "10.9.0.2", "198.18.0.53", "198.18.7.7", "maps.example.test"

def u16(n): return n.to_bytes(2, "big")

def client_hello(sni):
    exts = b""
    if sni:
        entry = b"\x00" + u16(len(sni)) + sni.encode()
        exts += b"\x00\x00" + u16(len(entry) + 2) + u16(len(entry)) + entry
    body = b"\x03\x03" + bytes(32) + b"\x00" + u16(2) + b"\x13\x01" + b"\x01\x00" + u16(len(exts)) + exts
    hs = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + u16(len(hs)) + hs

def connection(sport, dport, payload):
    cs, ss = 1000, 5000
    return [
        IP(src=C, dst=T) / TCP(sport=sport, dport=dport, flags="S", seq=cs),
        IP(src=T, dst=C) / TCP(sport=dport, dport=sport, flags="SA", seq=ss, ack=cs + 1),
        IP(src=C, dst=T) / TCP(sport=sport, dport=dport, flags="A", seq=cs + 1, ack=ss + 1),
        IP(src=C, dst=T) / TCP(sport=sport, dport=dport, flags="PA", seq=cs + 1, ack=ss + 1) / Raw(payload),
        IP(src=T, dst=C) / TCP(sport=dport, dport=sport, flags="A", seq=ss + 1, ack=cs + 1 + len(payload)),
        IP(src=C, dst=T) / TCP(sport=sport, dport=dport, flags="FA", seq=cs + 1 + len(payload), ack=ss + 1),
        IP(src=T, dst=C) / TCP(sport=dport, dport=sport, flags="FA", seq=ss + 1, ack=cs + 2 + len(payload)),
        IP(src=C, dst=T) / TCP(sport=sport, dport=dport, flags="A", seq=cs + 2 + len(payload), ack=ss + 2),
    ]

frames = [
    IP(src=C, dst=R) / UDP(sport=5000, dport=53) / DNS(id=1, rd=1, qd=DNSQR(qname=NAME)),
    IP(src=R, dst=C) / UDP(sport=53, dport=5000)
    / DNS(id=1, qr=1, rd=1, ra=1, qd=DNSQR(qname=NAME), an=DNSRR(rrname=NAME, type="A", ttl=60, rdata=T)),
    *connection(40001, 443, client_hello(None)),
    *connection(40002, 443, client_hello(NAME)),
    *connection(40003, 80, b"GET /tiles/1 HTTP/1.0\r\nAccept: */*\r\n\r\n"),
]
w = PcapWriter(sys.argv[1], linktype=1, sync=True)
for i, f in enumerate(frames):
    f = Ether() / f
    f.time = 1700000000 + i * 0.01
    w.write(f)
w.close()
