# Malformed requests to the run's control endpoint (src/rt/endpoint.c),
# sent by a process of the run: each gets an answer with the kernel-style
# errno, none stops the server.  Randomized, bounded, seeded.
import os, random, socket, struct, sys, time

name = os.environ["NETMEM_CTL"]
HDR = struct.Struct("=IIIIQiI")     # op, in, cap, out, req, ret, pad


def ask(payload):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(10)
    for n in ("\0" + name, "\0" + name + ".first"):
        try:
            s.connect(n)
            break
        except OSError:
            continue
    else:
        sys.exit("no endpoint")
    s.send(payload)
    a = s.recv(1 << 18)
    s.close()
    if len(a) < HDR.size:
        sys.exit("a short answer: %r" % a)
    return HDR.unpack_from(a)[5]


def want(what, payload, err):
    r = ask(payload)
    if r != -err:
        sys.exit("%s: %d, want %d" % (what, r, -err))
    print("ok %s: %d" % (what, r))


want("3 bytes", b"abc", 22)
want("a lying length", HDR.pack(1, 100, 100, 0, 0, 0, 0) + b"x" * 10, 22)
want("cap past the limit", HDR.pack(1, 4, 1 << 20, 0, 0x8946, 0, 0) + b"\0" * 4, 22)
want("an unknown request", HDR.pack(99, 0, 0, 0, 0, 0, 0), 95)
want("a netlink send with no socket open", HDR.pack(3, 140, 0, 0, 0, 0, 0) + b"\0" * 140, 22)
want("an ethtool command netmem has not", HDR.pack(1, 4, 4, 0, 0x8946, 0, 0) +
     struct.pack("=I", 0x7fff), 95)
# A process of the run that sends requests and never reads the answers:
# the server gives up on it (a bounded send), and answers the next process
# (it once blocked in that send for good, and every ethtool command of the
# run with it).
def connect():
    c = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    for n in ("\0" + name, "\0" + name + ".first"):
        try:
            c.connect(n)
            return c
        except OSError:
            continue
    sys.exit("no endpoint")


DRV = HDR.pack(1, 196, 196, 0, 0x8946, 0, 0) + struct.pack("=I", 3) + b"\0" * 192
stuck = connect()
# a send buffer far larger than the server's, so that its answers fill
# its own buffer while requests still wait
stuck.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
stuck.setblocking(False)
sent = 0
for i in range(20000):
    try:
        stuck.send(DRV)
        sent += 1
    except BlockingIOError:
        break
t0 = time.time()
if ask(DRV) != 0:
    sys.exit("GDRVINFO after a stuck reader failed")
stuck.close()
print("ok answered next to a process that never reads (%d requests sent, %.1f s)" %
      (sent, time.time() - t0))
rng = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
for i in range(300):
    op = rng.choice([1, 2, 3, 5, rng.randrange(1 << 32)])
    body = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 300)))
    n = len(body) if rng.random() < 0.7 else rng.randrange(1 << 32)
    ask(HDR.pack(op, n, rng.randrange(1 << 17), 0, rng.randrange(1 << 64), 0, 0) + body)
print("ok 300 random requests answered")
