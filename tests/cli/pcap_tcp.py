#!/usr/bin/env python3
"""Read a pcap file the way the capture tests need it (not a test itself).

    pcap_tcp.py FILE summary
        one line: records, TCP records, largest frame (len), largest caplen,
        records cut short (caplen < len), the file's snaplen and precision
    pcap_tcp.py FILE stream PORT CONNS BYTES [PERIOD]
        reassemble the payload of every TCP connection to PORT from the
        segments in the file (retransmissions and reordering allowed; an
        overlap must carry the same bytes), and check that there are CONNS
        of them, each BYTES long, equal byte for byte to the ncdevmem
        pattern of PERIOD (default 255: 1, 2, ..., PERIOD-1, '\\n', ...)

Exit 0 when the check holds, 1 (with the reason on stderr) when not.
Standard library only: the classic pcap format, both byte orders, micro-
and nanosecond magic; Ethernet with or without one VLAN tag; IPv4 and IPv6.
"""
import struct
import sys

MAGIC = {0xa1b2c3d4: "micro", 0xa1b23c4d: "nano"}


def fail(msg):
    print("pcap_tcp: " + msg, file=sys.stderr)
    sys.exit(1)


def records(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        fail("%s: %d bytes, no pcap header" % (path, len(data)))
    for endian in "<>":
        magic, = struct.unpack(endian + "I", data[:4])
        if magic in MAGIC:
            break
    else:
        fail("%s: not a pcap file (magic %s)" % (path, data[:4].hex()))
    _, _, _, _, snaplen, linktype = struct.unpack(endian + "HHiIII", data[4:24])
    if linktype != 1:
        fail("%s: link type %d, not Ethernet" % (path, linktype))
    off, recs = 24, []
    while off < len(data):
        if off + 16 > len(data):
            fail("%s: a record header cut short at byte %d" % (path, off))
        _, _, caplen, length = struct.unpack(endian + "IIII", data[off:off + 16])
        if off + 16 + caplen > len(data):
            fail("%s: a record cut short at byte %d" % (path, off))
        recs.append((caplen, length, data[off + 16:off + 16 + caplen]))
        off += 16 + caplen
    return MAGIC[magic], snaplen, recs


def tcp_of(frame):
    """(src, dst, sport, dport, seq, flags, payload) or None."""
    etype, l3 = struct.unpack("!H", frame[12:14])[0], 14
    if etype == 0x8100:
        etype, l3 = struct.unpack("!H", frame[16:18])[0], 18
    if etype == 0x0800 and len(frame) >= l3 + 20:
        ihl = (frame[l3] & 15) * 4
        tot = struct.unpack("!H", frame[l3 + 2:l3 + 4])[0] or len(frame) - l3
        if frame[l3 + 9] != 6:
            return None
        src, dst, l4, end = frame[l3 + 12:l3 + 16], frame[l3 + 16:l3 + 20], l3 + ihl, l3 + tot
    elif etype == 0x86dd and len(frame) >= l3 + 40:
        if frame[l3 + 6] != 6:
            return None
        plen = struct.unpack("!H", frame[l3 + 4:l3 + 6])[0] or len(frame) - l3 - 40
        src, dst, l4, end = frame[l3 + 8:l3 + 24], frame[l3 + 24:l3 + 40], l3 + 40, l3 + 40 + plen
    else:
        return None
    if len(frame) < l4 + 20:
        return None
    sport, dport, seq = struct.unpack("!HHI", frame[l4:l4 + 8])
    thl, flags = (frame[l4 + 12] >> 4) * 4, frame[l4 + 13]
    return src, dst, sport, dport, seq, flags, frame[l4 + thl:min(end, len(frame))]


def summary(path):
    prec, snaplen, recs = records(path)
    tcp = sum(1 for c, l, d in recs if tcp_of(d))
    print("records %d tcp %d max_len %d max_caplen %d cut %d snaplen %d precision %s" % (
        len(recs), tcp, max((l for c, l, d in recs), default=0),
        max((c for c, l, d in recs), default=0), sum(1 for c, l, d in recs if c < l),
        snaplen, prec))


def pattern(period, n):
    one = bytes(i + 1 for i in range(period - 1)) + b"\n"
    return (one * (n // period + 1))[:n]


def stream(path, port, conns, nbytes, period):
    _, _, recs = records(path)
    flows, order = {}, []
    for caplen, length, frame in recs:
        t = tcp_of(frame)
        if not t or t[3] != port:
            continue
        src, dst, sport, dport, seq, flags, payload = t
        key = (src, dst, sport)
        if flags & 0x02:                        # SYN: the stream starts at seq + 1
            if key not in flows:
                order.append(key)
            flows[key] = {"isn": seq + 1, "data": bytearray(), "have": bytearray()}
            continue
        if key not in flows or not payload:
            continue
        if caplen < length:
            fail("a data segment of %s:%d is cut to %d of %d bytes (snap length)"
                 % (".".join(map(str, src)), sport, caplen, length))
        f = flows[key]
        rel = (seq - f["isn"]) % (1 << 32)
        end = rel + len(payload)
        if end > len(f["data"]):
            f["data"].extend(bytes(end - len(f["data"])))
            f["have"].extend(bytes(end - len(f["have"])))
        had = f["have"][rel:end]
        if had.count(1):                        # a retransmission: same bytes
            old = f["data"][rel:end]
            for i in range(len(payload)):
                if had[i] and old[i] != payload[i]:
                    fail("stream offset %d seen twice with different bytes" % (rel + i))
        f["data"][rel:end] = payload
        f["have"][rel:end] = b"\x01" * len(payload)
    if len(order) != conns:
        fail("%d connections to port %d in the file, wanted %d" % (len(order), port, conns))
    want = pattern(period, nbytes)
    for n, key in enumerate(order, 1):
        f = flows[key]
        hole = f["have"].find(b"\x00")
        if hole >= 0:
            fail("connection %d: no segment holds stream offset %d" % (n, hole))
        if len(f["data"]) != nbytes:
            fail("connection %d: %d bytes in the file, %d sent" % (n, len(f["data"]), nbytes))
        if f["data"] != want:
            i = next(i for i in range(nbytes) if f["data"][i] != want[i])
            fail("connection %d: byte %d is %d, the pattern has %d" % (n, i, f["data"][i], want[i]))
    print("ok: %d connections to port %d, %d bytes each, every byte as sent" % (conns, port, nbytes))


def main(argv):
    if len(argv) >= 3 and argv[2] == "summary":
        summary(argv[1])
    elif len(argv) in (6, 7) and argv[2] == "stream":
        stream(argv[1], int(argv[3]), int(argv[4]), int(argv[5]),
               int(argv[6]) if len(argv) == 7 else 255)
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv)
