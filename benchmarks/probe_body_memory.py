"""Server memory under large request bodies (issue 16): RSS growth of a real uvicorn server
while clients stream chunked bodies (no Content-Length) to POST /api/evidence.

    python benchmarks/probe_body_memory.py [--mb 100] [--clients 4] [--token]

Prints the server's RSS before and after, the peak, and what each client got back.
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

SERVER = """
import sys, uvicorn
from jakpath.web import create_app
uvicorn.run(create_app(token="probe-token", store_url=sys.argv[2]), host="127.0.0.1",
            port=int(sys.argv[1]), log_level="warning")
"""


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def client(port: int, mb: int, token: bool, results: list) -> None:
    sent = 0
    chunk = b"x" * 1_000_000
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    auth = "Authorization: Bearer probe-token\r\n" if token else ""
    with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
        sock.sendall(
            (
                "POST /api/evidence HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"Transfer-Encoding: chunked\r\n{auth}\r\n"
            ).encode()
        )
        try:
            for _ in range(mb):
                sock.sendall(frame)
                sent += 1
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server answered and closed the connection
        status = sock.recv(200).split(b"\r\n")[0].decode(errors="replace")
    results.append((status, sent))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=100)
    ap.add_argument("--clients", type=int, default=1)
    ap.add_argument("--token", action="store_true", help="send the right token")
    args = ap.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = f"sqlite:///{tempfile.mkdtemp()}/probe.db"
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port), db], env=os.environ)
    try:
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        before = rss_mb(proc.pid)
        peak = [before]
        done = threading.Event()

        def watch():
            while not done.is_set():
                peak[0] = max(peak[0], rss_mb(proc.pid))
                time.sleep(0.02)

        threading.Thread(target=watch, daemon=True).start()
        results: list = []
        threads = [
            threading.Thread(target=client, args=(port, args.mb, args.token, results))
            for _ in range(args.clients)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        time.sleep(0.5)
        done.set()
        after = rss_mb(proc.pid)
        print(
            f"{args.clients} client(s) x {args.mb} MB chunked, token={args.token}: "
            f"RSS before {before:.0f} MB, peak {peak[0]:.0f} MB (+{peak[0] - before:.0f} MB), "
            f"after {after:.0f} MB; answers {sorted(results)} (status, MB sent)"
        )
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
