#!/usr/bin/env python3
"""A kernel TCP peer for the CLI tests (not a test itself): a socket of
the Linux kernel's own TCP that sends or receives the ncdevmem pattern.

    kpeer.py client HOST PORT BYTES [PERIOD]
        connect (retried for 10 s), send BYTES of the pattern, shut down
        the sending side and wait for the server's close
    kpeer.py server ADDR PORT READYFILE [PERIOD]
        listen (READYFILE written once it does), accept one connection,
        read it to its end and print "BYTES ok", or "BYTES bad at OFFSET"
        when a byte differs from the pattern; exit 0 either way

The pattern of PERIOD (default 255) is 1, 2, ..., PERIOD-1, '\\n' repeated.
"""
import socket
import sys
import time


def pattern(period, n):
    one = bytes(i + 1 for i in range(period - 1)) + b"\n"
    return (one * (n // period + 1))[:n]


def client(host, port, n, period):
    for _ in range(100):
        try:
            s = socket.create_connection((host, port), timeout=10)
            break
        except OSError:
            time.sleep(0.1)
    else:
        sys.exit("kpeer: no connection to %s:%d within 10 s" % (host, port))
    chunk = pattern(period, (1 << 20) + period)
    sent = 0
    while sent < n:
        k = min(1 << 20, n - sent)
        off = sent % period
        s.sendall(chunk[off:off + k])
        sent += k
    s.shutdown(socket.SHUT_WR)
    s.recv(1)
    s.close()


def server(addr, port, ready, period):
    l = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
    l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind((addr, port))
    l.listen(1)
    l.settimeout(30)
    open(ready, "w").write("ready\n")
    c, _ = l.accept()
    got = bytearray()
    while True:
        b = c.recv(1 << 20)
        if not b:
            break
        got += b
    want = pattern(period, len(got))
    if got == want:
        print(len(got), "ok")
    else:
        print(len(got), "bad at %d" % next(i for i in range(len(got)) if got[i] != want[i]))


def main(a):
    period = int(a[5]) if len(a) > 5 else 255
    if len(a) in (5, 6) and a[1] == "client":
        client(a[2], int(a[3]), int(a[4]), period)
    elif len(a) in (5, 6) and a[1] == "server":
        server(a[2], int(a[3]), a[4], period)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
