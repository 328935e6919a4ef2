# Writes, with scapy (an independent writer), the capture for stream-bytes.test.ts (argv[1]):
# TCP connections whose segments are retransmitted, overlap, arrive out of order, and whose
# sequence numbers wrap past 2^32. tshark's "follow tcp" is the oracle for each stream's bytes.
#   40001 client: 3 segments, the second sent twice; server: 4 segments, the third sent twice,
#         the last overlapping the one before by 100 bytes
#   40002 client: segments out of order (the third before the second); server: one segment
#   40003 client ISN 2^32 - 700: its 2,000 bytes wrap past zero, one segment retransmitted after the wrap
import sys
from scapy.all import IP, TCP, Ether, PcapWriter, Raw

C, S = "10.9.0.2", "198.18.7.7"


def conn(sport, cisn, sisn, steps):
    """steps: (who, offset in that side's stream, bytes)."""
    f = [
        IP(src=C, dst=S) / TCP(sport=sport, dport=443, flags="S", seq=cisn),
        IP(src=S, dst=C) / TCP(sport=443, dport=sport, flags="SA", seq=sisn, ack=(cisn + 1) % 2**32),
        IP(src=C, dst=S) / TCP(sport=sport, dport=443, flags="A", seq=(cisn + 1) % 2**32, ack=(sisn + 1) % 2**32),
    ]
    for who, off, data in steps:
        if who == "c":
            f.append(IP(src=C, dst=S) / TCP(sport=sport, dport=443, flags="PA", seq=(cisn + 1 + off) % 2**32, ack=(sisn + 1) % 2**32) / Raw(data))
        else:
            f.append(IP(src=S, dst=C) / TCP(sport=443, dport=sport, flags="PA", seq=(sisn + 1 + off) % 2**32, ack=(cisn + 1) % 2**32) / Raw(data))
    return f


def blob(n, seed):
    return bytes((i * 7 + seed) % 251 for i in range(n))


up1, dn1 = blob(3000, 1), blob(4000, 2)
a = conn(40001, 1000, 5000, [
    ("c", 0, up1[0:1000]), ("c", 1000, up1[1000:2000]), ("c", 1000, up1[1000:2000]), ("c", 2000, up1[2000:3000]),
    ("s", 0, dn1[0:1000]), ("s", 1000, dn1[1000:2000]), ("s", 2000, dn1[2000:3000]), ("s", 2000, dn1[2000:3000]),
    ("s", 2900, dn1[2900:4000]),
])
up2, dn2 = blob(1500, 3), blob(700, 4)
b = conn(40002, 70000, 90000, [
    ("c", 0, up2[0:500]), ("c", 1000, up2[1000:1500]), ("c", 500, up2[500:1000]), ("s", 0, dn2),
])
up3 = blob(2000, 5)
c = conn(40003, 2**32 - 700, 12345, [
    ("c", 0, up3[0:1000]), ("c", 1000, up3[1000:2000]), ("c", 1000, up3[1000:2000]), ("s", 0, b"ok"),
])
w = PcapWriter(sys.argv[1], linktype=1, sync=True)
for i, f in enumerate(a + b + c):
    f = Ether() / f
    f.time = 1700000000 + i * 0.01
    w.write(f)
w.close()
