"""HTTP load: 32 concurrent clients on loopback against a real uvicorn server.

Drives /api/rank (cached disease ranking) and /api/inhibition for a bounded time and prints
throughput and p50/p95/p99 latency per endpoint. Target (issue 6): p95 under 100 ms for a
cached disease ranking on the 2-core machine. The baseline printed beside it is /api/version
(the framework's floor on this machine).
Run: python3 benchmarks/bench_http.py [--seconds 15] [--clients 32] [--workers 2]
     [--driver python|wrk]
The default driver is an asyncio httpx client in this process; ``--driver wrk`` uses Debian's
wrk (C), which leaves more of a 2-core machine to the server.
"""

import argparse
import asyncio
import socket
import subprocess
import sys
import time

import httpx
import numpy as np

ENDPOINTS = {
    "version (baseline)": "/api/version",
    "rank (cached)": "/api/rank?disease=dermatomyositis",
    "inhibition": "/api/inhibition?drug=tofacitinib&regimen=5%20mg%20bid&pathways=IL6,IL2,EPO",
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def drive(base, path, seconds, clients):
    latencies = []
    stop = time.perf_counter() + seconds

    async def client(c):
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            r = await c.get(base + path)
            r.raise_for_status()
            latencies.append(time.perf_counter() - t0)

    async with httpx.AsyncClient(timeout=30) as c:
        await c.get(base + path)  # warm (fills the ranking cache)
        t0 = time.perf_counter()
        await asyncio.gather(*(client(c) for _ in range(clients)))
        wall = time.perf_counter() - t0
    lat = np.array(latencies) * 1e3
    return len(lat) / wall, np.percentile(lat, [50, 95, 99])


WRK_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT %f %f %f %f\\n", summary.requests / (summary.duration / 1e6),
           latency:percentile(50) / 1000, latency:percentile(95) / 1000,
           latency:percentile(99) / 1000))
end
"""


def drive_wrk(base, path, seconds, clients):
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(WRK_LUA)
    httpx.get(base + path, timeout=60)  # warm
    out = subprocess.run(
        ["wrk", "-t1", f"-c{clients}", f"-d{int(seconds)}s", "-s", fh.name, base + path],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    rps, p50, p95, p99 = map(float, line.split()[1:])
    return rps, (p50, p95, p99)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--driver", choices=("python", "wrk"), default="python")
    args = ap.parse_args()
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "jakpath.web:create_app",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ]
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                httpx.get(base + "/api/version", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        print(
            f"{args.clients} clients, {args.seconds:g} s each, {args.workers} worker(s), "
            f"driver {args.driver}"
        )
        for name, path in ENDPOINTS.items():
            if args.driver == "wrk":
                rps, (p50, p95, p99) = drive_wrk(base, path, args.seconds, args.clients)
            else:
                rps, (p50, p95, p99) = asyncio.run(drive(base, path, args.seconds, args.clients))
            print(
                f"{name:20s} {rps:8.1f} req/s  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
                f"p99 {p99:7.1f} ms"
            )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()
