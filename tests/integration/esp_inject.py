#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Re-send a captured ESP packet: replay it unchanged, or tamper with it.

Reads a pcap/pcapng of Ethernet frames (tcpdump -i IF, not -i any), picks
the Nth ESP packet (raw IP protocol 50, or ESP-in-UDP on port 4500 as in
RFC 3948; IKE behind the non-ESP marker and NAT keepalives are skipped),
optionally only those of one SPI, and writes the frame exactly as captured
to an AF_PACKET socket on IFACE.  With --flip-byte one bit of the ESP
packet is flipped first; the offset counts from the first byte of the ESP
header (0-3 SPI, 4-7 sequence number), and without a value it is the
middle of the ESP packet, which lies in the ciphertext for any real
packet.  A UDP checksum that was set is recomputed, so that the receiver's
ESP integrity check, not its UDP layer, is what rejects the packet.

Run it inside the namespace that owns IFACE, e.g.
  nsexec "$XS-peer" "$XS_PY" "$XS_DIR/esp_inject.py" --pcap "$XS_TMP/wan.pcap" \\
      --iface eth0 --spi 0x1001 --index 0 --count 3
It prints one line per frame sent.
"""
import argparse
import socket
import struct
import sys

from scapy.utils import RawPcapReader

ESP_PROTO = 50
UDP_PROTO = 17
NAT_T_PORT = 4500
ETH_HLEN = 14
DLT_EN10MB = 1
VLAN_TYPES = (0x8100, 0x88A8)
IPV6_EXT = (0, 43, 60)  # hop-by-hop, routing, destination options


class Esp:
    """Where the ESP packet sits inside one captured frame."""

    def __init__(self, frame, l3, version, esp, udp):
        self.frame = frame
        self.l3 = l3            # offset of the IP header
        self.version = version  # 4 or 6
        self.esp = esp          # offset of the ESP header
        self.udp = udp          # offset of the UDP header, or None
        self.spi, self.seq = struct.unpack_from("!II", frame, esp)

    def describe(self):
        if self.version == 4:
            src = socket.inet_ntop(socket.AF_INET, self.frame[self.l3 + 12:self.l3 + 16])
            dst = socket.inet_ntop(socket.AF_INET, self.frame[self.l3 + 16:self.l3 + 20])
        else:
            src = socket.inet_ntop(socket.AF_INET6, self.frame[self.l3 + 8:self.l3 + 24])
            dst = socket.inet_ntop(socket.AF_INET6, self.frame[self.l3 + 24:self.l3 + 40])
        encap = "esp-in-udp" if self.udp is not None else "esp"
        return "%s %s > %s spi 0x%08x seq %u esp-len %u" % (
            encap, src, dst, self.spi, self.seq, len(self.frame) - self.esp)


def l4_of(frame, off, etype):
    """(l3 offset, IP version, protocol, l4 offset) or None."""
    if etype == 0x0800 and len(frame) >= off + 20:
        ihl = (frame[off] & 0x0F) * 4
        frag = struct.unpack_from("!H", frame, off + 6)[0]
        if ihl < 20 or frag & 0x3FFF:  # fragments carry no whole ESP packet
            return None
        return off, 4, frame[off + 9], off + ihl
    if etype == 0x86DD and len(frame) >= off + 40:
        nh, l4 = frame[off + 6], off + 40
        while nh in IPV6_EXT and len(frame) >= l4 + 8:
            nh, l4 = frame[l4], l4 + (frame[l4 + 1] + 1) * 8
        return off, 6, nh, l4
    return None


def find_esp(frame):
    """An Esp for an Ethernet frame that carries ESP, else None."""
    if len(frame) < ETH_HLEN:
        return None
    off, etype = ETH_HLEN, struct.unpack_from("!H", frame, 12)[0]
    while etype in VLAN_TYPES and len(frame) >= off + 4:
        etype, off = struct.unpack_from("!H", frame, off + 2)[0], off + 4
    l4 = l4_of(frame, off, etype)
    if not l4:
        return None
    l3, version, proto, l4off = l4
    if proto == ESP_PROTO and len(frame) >= l4off + 8:
        return Esp(frame, l3, version, l4off, None)
    if proto != UDP_PROTO or len(frame) < l4off + 16:
        return None
    sport, dport = struct.unpack_from("!HH", frame, l4off)
    # A zero SPI is the non-ESP marker of IKE on port 4500.
    if NAT_T_PORT in (sport, dport) and frame[l4off + 8:l4off + 12] != b"\0\0\0\0":
        return Esp(frame, l3, version, l4off + 8, l4off)
    return None


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def fix_udp_checksum(pkt):
    """Recompute the UDP checksum in place unless it was zero (unused, IPv4)."""
    frame, udp = pkt.frame, pkt.udp
    if udp is None or (pkt.version == 4 and frame[udp + 6:udp + 8] == b"\0\0"):
        return
    ulen = struct.unpack_from("!H", frame, udp + 4)[0]
    if pkt.version == 4:
        pseudo = frame[pkt.l3 + 12:pkt.l3 + 20] + struct.pack("!BBH", 0, UDP_PROTO, ulen)
    else:
        pseudo = frame[pkt.l3 + 8:pkt.l3 + 40] + struct.pack("!IxxxB", ulen, UDP_PROTO)
    frame[udp + 6:udp + 8] = b"\0\0"
    csum = checksum(bytes(pseudo) + bytes(frame[udp:udp + ulen])) or 0xFFFF
    struct.pack_into("!H", frame, udp + 6, csum)


def pick(args):
    """The args.index-th ESP packet (of args.spi if given) in the capture."""
    seen = 0
    reader = RawPcapReader(args.pcap)
    for data, meta in reader:
        # pcapng: per interface, in the metadata; pcap: one per file
        linktype = meta.linktype if hasattr(meta, "linktype") else reader.linktype
        if linktype != DLT_EN10MB:
            sys.exit("esp_inject: %s: link type %s is not Ethernet (captured with -i any?)"
                     % (args.pcap, linktype))
        pkt = find_esp(bytearray(data))
        if pkt is None or (args.spi is not None and pkt.spi != args.spi):
            continue
        if seen == args.index:
            return pkt
        seen += 1
    sys.exit("esp_inject: %s: only %d matching ESP packet(s), no index %d"
             % (args.pcap, seen, args.index))


def flip(pkt, offset, bit):
    esp_len = len(pkt.frame) - pkt.esp
    if offset is None:
        offset = esp_len // 2
    if not 0 <= offset < esp_len:
        sys.exit("esp_inject: --flip-byte %d outside the %d-byte ESP packet" % (offset, esp_len))
    at = pkt.esp + offset
    old = pkt.frame[at]
    pkt.frame[at] ^= 1 << bit
    fix_udp_checksum(pkt)
    return "flipped esp byte %d bit %d (0x%02x -> 0x%02x)" % (offset, bit, old, pkt.frame[at])


def spi_arg(text):
    return int(text, 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pcap", required=True, help="capture of Ethernet frames")
    ap.add_argument("--iface", required=True, help="interface to send on")
    ap.add_argument("--spi", type=spi_arg, help="only ESP packets of this SPI (0x.. or decimal)")
    ap.add_argument("--index", type=int, default=0, help="which matching packet, from 0")
    ap.add_argument("--flip-byte", type=int, nargs="?", const=-1, default=None,
                    metavar="N", help="flip a bit of ESP byte N (no N: the middle)")
    ap.add_argument("--bit", type=int, default=0, choices=range(8), help="which bit to flip")
    ap.add_argument("--count", type=int, default=1, help="send the frame K times")
    args = ap.parse_args()

    pkt = pick(args)
    what = "replayed unchanged"
    if args.flip_byte is not None:
        what = flip(pkt, None if args.flip_byte < 0 else args.flip_byte, args.bit)
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((args.iface, 0))
    for i in range(args.count):
        sock.send(bytes(pkt.frame))
        print("esp_inject: sent %d/%d on %s: index %d %s, %s" % (
            i + 1, args.count, args.iface, args.index, pkt.describe(), what))
    sock.close()


if __name__ == "__main__":
    main()
