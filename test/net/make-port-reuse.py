# Writes, with scapy (an independent writer), the capture for port-reuse.test.ts (argv[1]): TCP
# connections that reuse one 5-tuple, and SYNs that must not start a new connection.
#   41001 three connections one after another: closed by FINs, by a RST, then left open
#   41002 a SYN sent three times with one ISN (retransmissions), then answered: one connection
#   41003 a SYN never answered, then a new connect() on the same port (a new ISN): two
#   41004 the capture starts mid-connection (data first, no SYN), then the port is reused: two
import sys
from scapy.all import IP, TCP, Ether, PcapWriter, Raw

C, S = "10.9.0.2", "198.18.7.7"


def c2s(sport, flags, seq, ack=0, data=b""):
    p = IP(src=C, dst=S) / TCP(sport=sport, dport=443, flags=flags, seq=seq % 2**32, ack=ack % 2**32)
    return p / Raw(data) if data else p


def s2c(sport, flags, seq, ack=0, data=b""):
    p = IP(src=S, dst=C) / TCP(sport=443, dport=sport, flags=flags, seq=seq % 2**32, ack=ack % 2**32)
    return p / Raw(data) if data else p


def conn(sport, cisn, sisn, up, down, end):
    """A handshake, `up` then `down` bytes, and `end`: 'fin', 'rst' or 'open'."""
    f = [c2s(sport, "S", cisn), s2c(sport, "SA", sisn, cisn + 1), c2s(sport, "A", cisn + 1, sisn + 1)]
    f.append(c2s(sport, "PA", cisn + 1, sisn + 1, b"u" * up))
    f.append(s2c(sport, "PA", sisn + 1, cisn + 1 + up, b"d" * down))
    c, s = cisn + 1 + up, sisn + 1 + down
    if end == "fin":
        f += [c2s(sport, "FA", c, s), s2c(sport, "FA", s, c + 1), c2s(sport, "A", c + 1, s + 1)]
    elif end == "rst":
        f.append(c2s(sport, "R", c))
    return f


frames = []
frames += conn(41001, 1000, 9000, 100, 200, "fin")
frames += conn(41001, 500000, 70000, 300, 400, "rst")
frames += conn(41001, 2**32 - 10, 123, 50, 60, "open")
frames += [c2s(41002, "S", 7000), c2s(41002, "S", 7000), c2s(41002, "S", 7000)]
frames += [s2c(41002, "SA", 8000, 7001), c2s(41002, "A", 7001, 8001), c2s(41002, "PA", 7001, 8001, b"x" * 10)]
frames += [c2s(41003, "S", 3000), c2s(41003, "S", 3000), c2s(41003, "S", 4444000)]
frames += [s2c(41003, "SA", 100, 4444001), c2s(41003, "A", 4444001, 101)]
frames += [c2s(41004, "PA", 60000, 5000, b"m" * 20), s2c(41004, "PA", 5000, 60020, b"n" * 30)]
frames += [c2s(41004, "FA", 60020, 5030), s2c(41004, "FA", 5030, 60021)]
frames += conn(41004, 900000, 800000, 5, 6, "fin")

w = PcapWriter(sys.argv[1], linktype=1, sync=True)
for i, f in enumerate(frames):
    f = Ether() / f
    f.time = 1700000000 + i * 0.01
    w.write(f)
w.close()
