# Writes capture variants with scapy (an independent writer) into argv[1], and a manifest.json
# listing, per file, what each packet was built from: the test's expected values.
import json, struct, sys, os
from scapy.all import (Ether, Dot1Q, Dot1AD, IP, IPv6, TCP, UDP, Raw, CookedLinux, CookedLinuxV2,
                       Loopback, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrFragment, fragment, fragment6, PcapWriter)

out = sys.argv[1]
manifest = {}

def write(name, linktype, frames, expect, endianness='', nano=False):
    w = PcapWriter(os.path.join(out, name), linktype=linktype, endianness=endianness, nano=nano, sync=True)
    for i, f in enumerate(frames):
        f.time = 1700000000 + i + 0.123456
        w.write(f)
    w.close()
    manifest[name] = {"linkType": linktype, "packets": expect}

def e(src, dst, proto, sport, dport, payload, vlans=()):
    return {"src": src, "dst": dst, "proto": proto, "sport": sport, "dport": dport,
            "payload": payload, "vlans": list(vlans)}

p4 = lambda: IP(src="10.1.2.3", dst="192.0.2.7") / TCP(sport=40000, dport=443, flags="S") / Raw(b"hello")
p6 = lambda: IPv6(src="2001:db8::1", dst="2001:db8:0:1::53") / UDP(sport=5353, dport=53) / Raw(b"q" * 30)
x4 = e("10.1.2.3", "192.0.2.7", 6, 40000, 443, 5)
x6 = e("2001:db8::1", "2001:db8:0:1::53", 17, 5353, 53, 30)

write("ether-be.pcap", 1, [Ether() / p4(), Ether() / p6()], [x4, x6], endianness='>')
write("vlan-stacked.pcap", 1,
      [Ether() / Dot1AD(vlan=100) / Dot1Q(vlan=200) / p4(), Ether() / Dot1Q(vlan=7) / p6()],
      [dict(x4, vlans=[100, 200]), dict(x6, vlans=[7])])
write("raw-101.pcap", 101, [p4(), p6()], [x4, x6])
write("raw-12.pcap", 12, [p4(), p6()], [x4, x6])
write("raw-14.pcap", 14, [p4(), p6()], [x4, x6])
write("ipv4-228.pcap", 228, [p4()], [x4])
write("ipv6-229.pcap", 229, [p6()], [x6])
write("sll.pcap", 113, [CookedLinux(proto=0x800) / p4(), CookedLinux(proto=0x86dd) / p6()], [x4, x6])
write("sll2.pcap", 276, [CookedLinuxV2(proto=0x800) / p4(), CookedLinuxV2(proto=0x86dd) / p6()], [x4, x6])
write("null.pcap", 0, [Loopback(type=2) / p4(), Loopback(type=30) / p6()], [x4, x6])
write("loop-108.pcap", 108, [Raw(struct.pack(">I", 2) + bytes(p4())), Raw(struct.pack(">I", 24) + bytes(p6()))], [x4, x6])
write("ipv6-ext.pcap", 1,
      [Ether() / IPv6(src="2001:db8::1", dst="2001:db8:0:1::53") / IPv6ExtHdrHopByHop() / IPv6ExtHdrRouting()
       / IPv6ExtHdrDestOpt() / UDP(sport=5353, dport=53) / Raw(b"q" * 30)], [x6], nano=True)
big4 = IP(src="10.9.9.9", dst="10.8.8.8", id=4242) / UDP(sport=1111, dport=2222) / Raw(bytes(range(256)) * 12)
frags4 = fragment(big4, fragsize=800)
big6 = IPv6(src="2001:db8::9", dst="2001:db8::8") / IPv6ExtHdrFragment(id=777) / UDP(sport=3333, dport=4444) / Raw(bytes(range(256)) * 12)
frags6 = fragment6(big6, 1280)
write("fragments.pcap", 1, [Ether() / f for f in frags4] + [Ether() / f for f in reversed(frags6)],
      [{"fragment": True}] * (len(frags4) + len(frags6)))
manifest["fragments.pcap"]["datagrams"] = [e("10.9.9.9", "10.8.8.8", 17, 1111, 2222, 3072),
                                           e("2001:db8::9", "2001:db8::8", 17, 3333, 4444, 3072)]
json.dump(manifest, open(os.path.join(out, "manifest.json"), "w"), indent=1)
