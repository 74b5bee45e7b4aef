#!/usr/bin/python3
"""Holds many idle or slowly-sending connections against a TLS server (the load of issue 13,
item 3). Connections go round three kinds: one connects and sends nothing, one trickles a TLS
ClientHello a byte at a time, one completes the TLS handshake and trickles a request head. They
come from 127.0.0.2 and up, a share per address below the server's per-address cap, so that the
server-wide cap is what they press on.

Usage: hold_connections.py PORT COUNT SECONDS [ADDRESSES]
Prints "held N" once all COUNT are connected (N: the TCP connects that succeeded), then every
half second "open M" (those the server has not closed), trickling until SECONDS have passed.
"""
import resource
import selectors
import socket
import ssl
import sys
import time

TRICKLE_EVERY = 0.5  # seconds between two bytes of one connection
HEAD = b"POST /.well-known/brski/requestvoucher HTTP/1.1\r\nHost: x\r\nContent-Type: a"


def client_hello():
    """The bytes of a real ClientHello: a server keeps waiting for the rest of it."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    out = ssl.MemoryBIO()
    obj = ctx.wrap_bio(ssl.MemoryBIO(), out, server_side=False)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


def main():
    port, count, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    addresses = int(sys.argv[4]) if len(sys.argv) > 4 else 16
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = count + 64 if hard == resource.RLIM_INFINITY else min(hard, count + 64)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), hard))
    hello = client_hello()
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    tls.check_hostname = False
    tls.verify_mode = ssl.CERT_NONE

    conns = []  # [socket, bytes to trickle, next offset]
    connected = 0
    for i in range(count):
        source = "127.0.0.%d" % (2 + i % addresses)
        kind = i % 3
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5,
                                         source_address=(source, 0))
            connected += 1
            if kind == 2:
                s = tls.wrap_socket(s)  # the handshake, then a slow head
        except OSError:
            continue
        s.setblocking(False)
        conns.append([s, b"" if kind == 0 else hello if kind == 1 else HEAD, 0])
    print("held %d" % connected, flush=True)

    sel = selectors.DefaultSelector()
    for c in conns:
        sel.register(c[0], selectors.EVENT_READ, c)
    open_ = set(id(c) for c in conns)

    def closed(c):
        if id(c) in open_:
            open_.discard(id(c))
            sel.unregister(c[0])

    start = time.monotonic()
    next_trickle = start
    next_report = start + 0.5
    while time.monotonic() - start < seconds:
        for key, _ in sel.select(timeout=0.05):
            c = key.data
            try:
                if not c[0].recv(4096):
                    closed(c)
            except (ssl.SSLWantReadError, BlockingIOError):
                pass
            except (OSError, ssl.SSLError):
                closed(c)
        now = time.monotonic()
        if now >= next_trickle:
            next_trickle = now + TRICKLE_EVERY
            for c in conns:
                if id(c) in open_ and c[2] < len(c[1]):
                    try:
                        c[0].send(c[1][c[2]:c[2] + 1])
                        c[2] += 1
                    except (ssl.SSLWantWriteError, ssl.SSLWantReadError, BlockingIOError):
                        pass
                    except (OSError, ssl.SSLError):
                        closed(c)
        if now >= next_report:
            next_report = now + 0.5
            print("open %d" % len(open_), flush=True)
    print("open %d" % len(open_), flush=True)


if __name__ == "__main__":
    main()
