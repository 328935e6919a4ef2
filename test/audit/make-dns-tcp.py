# Writes a DNS-over-TCP capture with scapy (an independent writer) to argv[1]: two queries in one
# stream, the second split across segments that arrive out of order, one answer, then a TCP
# connection (no payload) to the answered address. tshark is the test's oracle for what it holds.
import sys
from scapy.all import IP, TCP, DNS, DNSQR, DNSRR, Raw
from scapy_frames import write_pcap

C, S, T = "10.9.0.2", "198.18.0.53", "198.18.7.7"
def framed(m):
    b = bytes(m)
    return len(b).to_bytes(2, "big") + b

q1 = framed(DNS(id=1, rd=1, qd=DNSQR(qname="maps.example.test")))
q2 = framed(DNS(id=2, rd=1, qd=DNSQR(qname="aGVsbG8gd29ybGQ.tunnel.example.test")))
r1 = framed(DNS(id=1, qr=1, rd=1, ra=1, qd=DNSQR(qname="maps.example.test"),
                an=DNSRR(rrname="maps.example.test", type="A", ttl=60, rdata=T)))
cs, ss = 1000, 5000
first, second = q2[:9], q2[9:]
frames = [
    IP(src=C, dst=S) / TCP(sport=40001, dport=53, flags="S", seq=cs),
    IP(src=S, dst=C) / TCP(sport=53, dport=40001, flags="SA", seq=ss, ack=cs + 1),
    IP(src=C, dst=S) / TCP(sport=40001, dport=53, flags="A", seq=cs + 1, ack=ss + 1),
    # q1 whole plus the start of q2, then the rest of q2 arrives before a retransmission of it.
    IP(src=C, dst=S) / TCP(sport=40001, dport=53, flags="PA", seq=cs + 1 + len(q1) + len(first), ack=ss + 1) / Raw(second),
    IP(src=C, dst=S) / TCP(sport=40001, dport=53, flags="PA", seq=cs + 1, ack=ss + 1) / Raw(q1 + first),
    IP(src=S, dst=C) / TCP(sport=53, dport=40001, flags="PA", seq=ss + 1, ack=cs + 1 + len(q1) + len(q2)) / Raw(r1),
    IP(src=C, dst=S) / TCP(sport=40001, dport=53, flags="FA", seq=cs + 1 + len(q1) + len(q2), ack=ss + 1 + len(r1)),
    IP(src=S, dst=C) / TCP(sport=53, dport=40001, flags="FA", seq=ss + 1 + len(r1), ack=cs + 2 + len(q1) + len(q2)),
    IP(src=C, dst=T) / TCP(sport=40002, dport=443, flags="S", seq=7000),
    IP(src=T, dst=C) / TCP(sport=443, dport=40002, flags="SA", seq=9000, ack=7001),
]
write_pcap(sys.argv[1], frames)
