# Writes, with scapy (an independent writer), to argv[1]: a DNS answer naming maps.example.test
# 198.18.7.7, then three TCP connections to that address: a TLS ClientHello without SNI (443), one
# with SNI maps.example.test (443), and an HTTP/1.0 request without a Host field (80). Only the
# second names itself; the other two are named by the DNS answer alone. tshark is the oracle.
import sys
from scapy.all import IP, UDP, TCP, DNS, DNSQR, DNSRR, Raw
from scapy_frames import client_hello, write_pcap

C, R, T, NAME = "10.9.0.2", "198.18.0.53", "198.18.7.7", "maps.example.test"

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
write_pcap(sys.argv[1], frames)
