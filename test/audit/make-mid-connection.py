# Writes, with scapy (an independent writer), the capture for mid-connection.test.ts: argv[1] the
# output file. The tablet 10.9.0.2 talks to 198.18.7.7; the capture began after most of these
# connections had opened, so their handshakes are not in it:
#   46001 -> 443    an upload: the first frame is the server's ACK, then 100 segments of 1,400
#                   bytes up, the server acknowledging every tenth
#   46002 -> 8883   MQTT over TLS (a service port above 1023): the server speaks first, 500 bytes
#                   down, then 2 x 1,000 up and 300 down
#   46003 -> 47000  neither port a service port: the tablet's frame comes first, 800 up, 200 down
#   8000  -> 443    both ports service ports: the server's frame first, 600 down, 900 up
#   46004 -> 443    a whole connection, handshake and all (nothing to infer), 1,000 up
#   46010 -> 53/udp a DNS answer first (its query was before the capture), then a query and its answer
# tshark is the oracle for what each side sent (tcp.len, udp.length).
import sys

from scapy.all import DNS, DNSQR, DNSRR, IP, TCP, UDP, Raw
from scapy_frames import C, connection, write_pcap

T = "198.18.7.7"
R = "198.18.7.53"


def seg(src, dst, sport, dport, seq, ack, data=b"", flags="A"):
    p = IP(src=src, dst=dst) / TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack)
    return p / Raw(data) if data else p


def fill(n, k):
    return bytes((k * 13 + i) % 251 for i in range(n))


frames = []

# 46001 -> 443: the server's ACK, then the upload.
cs, ss = 700000, 9000
frames.append(seg(T, C, 443, 46001, ss, cs))
for i in range(100):
    frames.append(seg(C, T, 46001, 443, cs, ss, b"\x17\x03\x03" + fill(1397, i), "PA"))
    cs += 1400
    if i % 10 == 9:
        frames.append(seg(T, C, 443, 46001, ss, cs))

# 46002 -> 8883: the server speaks first.
cs, ss = 1000, 2000
frames.append(seg(T, C, 8883, 46002, ss, cs, fill(500, 1), "PA"))
ss += 500
for i in range(2):
    frames.append(seg(C, T, 46002, 8883, cs, ss, fill(1000, i), "PA"))
    cs += 1000
frames.append(seg(T, C, 8883, 46002, ss, cs, fill(300, 2), "PA"))

# 46003 -> 47000: no service port on either side; the tablet's frame first.
cs, ss = 3000, 4000
frames.append(seg(C, T, 46003, 47000, cs, ss, fill(800, 3), "PA"))
cs += 800
frames.append(seg(T, C, 47000, 46003, ss, cs, fill(200, 4), "PA"))

# 8000 -> 443: both service ports; the server's frame first, the lower port is the server's.
cs, ss = 5000, 6000
frames.append(seg(T, C, 443, 8000, ss, cs, fill(600, 5), "PA"))
ss += 600
frames.append(seg(C, T, 8000, 443, cs, ss, fill(900, 6), "PA"))

# 46004 -> 443: a whole connection.
frames += connection(T, 46004, 443, [(fill(1000, 7), b"ok")])

# 46010 -> 53: an answer whose query the capture missed, then a query and its answer.
def dns(qid, name, answer):
    q = DNS(id=qid, rd=1, qd=DNSQR(qname=name))
    if not answer:
        return IP(src=C, dst=R) / UDP(sport=46010, dport=53) / q
    a = DNS(id=qid, qr=1, rd=1, ra=1, qd=DNSQR(qname=name), an=DNSRR(rrname=name, rdata=T))
    return IP(src=R, dst=C) / UDP(sport=53, dport=46010) / a


frames += [dns(1, "files.test", True), dns(2, "other.test", False), dns(2, "other.test", True)]

write_pcap(sys.argv[1], frames)
