#!/usr/bin/env python3
"""Python's own socket and asyncio servers and clients, for the `netmem run`
tests (not a test itself): the interpreter runs them unmodified, on the
kernel or under `netmem run`.  Every connection is an echo: the client
sends BYTES of its own stream (byte i of connection c is
(i % 251) ^ (c * 37 % 256), as tests/progs/prog.h) and checks every byte
that comes back.

    py_peer.py socket-server ADDR PORT COUNT    socketserver, a thread per connection
    py_peer.py socket-client HOST PORT COUNT BYTES   COUNT threads, blocking sockets
    py_peer.py asyncio-server ADDR PORT COUNT   asyncio.start_server
    py_peer.py asyncio-client HOST PORT COUNT BYTES  COUNT tasks, one event loop

A server serves COUNT connections and exits 0; a client exits 0 when every
connection got its bytes back, and prints one line saying so.
"""
import asyncio
import socket
import socketserver
import sys
import threading
import time

CHUNK = 32768


def stream(conn, off, n):
    k = (conn * 37) & 0xFF
    period = bytes(i ^ k for i in range(251))
    s = off % 251
    return (period * (n // 251 + 2))[s:s + n]


def connect(host, port):
    """A connection, tried again while the server is not there yet (10 s)."""
    end = time.monotonic() + 10
    while True:
        try:
            return socket.create_connection((host, port), timeout=30)
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.05)


def socket_server(addr, port, count):
    done = threading.Semaphore(0)

    class Echo(socketserver.BaseRequestHandler):
        def handle(self):
            while True:
                b = self.request.recv(65536)
                if not b:
                    break
                self.request.sendall(b)
            done.release()

    class Server(socketserver.ThreadingTCPServer):
        allow_reuse_address = True
        daemon_threads = True
        address_family = socket.AF_INET6 if ":" in addr else socket.AF_INET

    with Server((addr, port), Echo) as srv:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        for _ in range(count):
            if not done.acquire(timeout=30):
                sys.exit("socket-server: a connection did not end within 30 s")
        srv.shutdown()
    print("socket-server: %d connections" % count)


def socket_client(host, port, count, nbytes):
    bad = []

    def one(c):
        s = connect(host, port)
        got = bytearray()

        def reader():
            while True:
                b = s.recv(65536)
                if not b:
                    break
                got.extend(b)
        r = threading.Thread(target=reader)
        r.start()
        for off in range(0, nbytes, CHUNK):
            s.sendall(stream(c, off, min(CHUNK, nbytes - off)))
        s.shutdown(socket.SHUT_WR)
        r.join()
        s.close()
        if bytes(got) != stream(c, 0, nbytes):
            bad.append(c)

    ts = [threading.Thread(target=one, args=(c,)) for c in range(1, count + 1)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if bad:
        sys.exit("socket-client: connections %s got wrong bytes back" % bad)
    print("socket-client: %d connections, %d bytes each, every byte checked" % (count, nbytes))


async def asyncio_server(addr, port, count):
    ended = 0
    all_done = asyncio.Event()

    async def echo(reader, writer):
        nonlocal ended
        while True:
            b = await reader.read(65536)
            if not b:
                break
            writer.write(b)
            await writer.drain()
        writer.close()
        await writer.wait_closed()
        ended += 1
        if ended == count:
            all_done.set()

    srv = await asyncio.start_server(echo, addr, port, reuse_address=True)
    async with srv:
        await asyncio.wait_for(all_done.wait(), 30)
    print("asyncio-server: %d connections" % count)


async def asyncio_client(host, port, count, nbytes):
    async def one(c):
        end = time.monotonic() + 10
        while True:
            try:
                reader, writer = await asyncio.open_connection(host, port)
                break
            except OSError:
                if time.monotonic() > end:
                    raise
                await asyncio.sleep(0.05)

        async def send():
            for off in range(0, nbytes, CHUNK):
                writer.write(stream(c, off, min(CHUNK, nbytes - off)))
                await writer.drain()
            writer.write_eof()

        sender = asyncio.create_task(send())
        got = bytearray()
        while True:
            b = await reader.read(65536)
            if not b:
                break
            got.extend(b)
        await sender
        writer.close()
        return bytes(got) == stream(c, 0, nbytes)

    ok = await asyncio.wait_for(asyncio.gather(*(one(c) for c in range(1, count + 1))), 60)
    if not all(ok):
        sys.exit("asyncio-client: connections %s got wrong bytes back"
                 % [c + 1 for c, v in enumerate(ok) if not v])
    print("asyncio-client: %d connections, %d bytes each, every byte checked" % (count, nbytes))


def main():
    a = sys.argv[1:]
    if len(a) == 4 and a[0] == "socket-server":
        socket_server(a[1], int(a[2]), int(a[3]))
    elif len(a) == 5 and a[0] == "socket-client":
        socket_client(a[1], int(a[2]), int(a[3]), int(a[4]))
    elif len(a) == 4 and a[0] == "asyncio-server":
        asyncio.run(asyncio_server(a[1], int(a[2]), int(a[3])))
    elif len(a) == 5 and a[0] == "asyncio-client":
        asyncio.run(asyncio_client(a[1], int(a[2]), int(a[3]), int(a[4])))
    else:
        sys.exit(__doc__)


main()
