"""Interactive latency: each single-answer CLI command as a fresh process (issue 17, item 4).

Every command runs ``--repeat`` times, each in a new interpreter (like hyperfine), and the median
and min wall time are printed beside the floor ``python -c "import pandas"``. With ``--baseline
REF`` the same commands also run from a ``git archive`` of REF (e.g. the previous main commit)
and the table shows both trees side by side with the ratio baseline/current.

The derived-table cache (``JAKPATH_CACHE_DIR``) is pointed at a fresh temporary folder per tree:
the first run of the first command fills it ("first" column: a first use after install or after
a data change), the repeats reuse it ("median" column: every later answer). Each tree also gets
an evidence store of its own (``JAKPATH_DATA_DIR`` in the same temporary folder), created by its
first command that reads evidence, so that no other jakpath on the machine writes to it while
it is measured (the cached rankings follow the store's content).

Also measures ``jakpath serve``: seconds from process start to the first answer of /api/version,
and the first /disease/{name} page after that.

Run: python3 benchmarks/bench_latency.py [--repeat 5] [--baseline HEAD~1] [--only inhibition]
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CLI = ["-m", "jakpath.cli"]
COMMANDS = {
    "floor: import pandas": ["-c", "import pandas"],
    "import jakpath": ["-c", "import jakpath"],
    "drug": [*CLI, "drug", "tofacitinib"],
    "disease": [*CLI, "disease", "dermatomyositis"],
    "simulate": [*CLI, "simulate", "upadacitinib", "15 mg qd"],
    "simulate --plot": [*CLI, "simulate", "upadacitinib", "15 mg qd", "--plot", "{tmp}/s.png"],
    "inhibition": [*CLI, "inhibition", "baricitinib", "4 mg qd"],
    "potency DRUG": [*CLI, "potency", "upadacitinib"],
    "rank": [*CLI, "rank", "dermatomyositis", "--top", "5"],
    "rank --plot": [*CLI, "rank", "dermatomyositis", "--top", "5", "--plot", "{tmp}/r.png"],
    "explain": [*CLI, "explain", "dermatomyositis", "tofacitinib", "5 mg bid"],
    "first inhibition() after import": [
        "-c",
        "import time, jakpath; t = time.perf_counter(); "
        "jakpath.inhibition('baricitinib', '4 mg qd'); "
        "print(f'INNER {time.perf_counter() - t:.4f}')",
    ],
}


def tree_from_ref(ref: str, into: Path) -> Path:
    """Extract REF's src/ into a folder (no checkout is touched)."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "src"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "src"


def env_for(src: Path, cache: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(src), JAKPATH_CACHE_DIR=str(cache))
    env["JAKPATH_DATA_DIR"] = str(cache.parent / "data")  # an evidence store of its own
    env.pop("JAKPATH_NO_CACHE", None)
    env.pop("JAKPATH_DATABASE_URL", None)
    return env


def time_once(args, env, tmp) -> tuple[float, float | None]:
    args = [a.replace("{tmp}", tmp) for a in args]
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"{args} failed ({p.returncode}): {p.stderr[-2000:]}")
    inner = None
    for line in p.stdout.splitlines():
        if line.startswith("INNER "):
            inner = float(line.split()[1])
    return wall, inner


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def time_serve(env, timeout=120.0) -> tuple[float, float]:
    """Seconds from start to the first /api/version answer, then the first disease page."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "jakpath.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            if time.perf_counter() - t0 > timeout:
                raise SystemExit("server did not answer")
            try:
                with urllib.request.urlopen(base + "/api/version", timeout=5) as r:
                    r.read()
                break
            except OSError:
                time.sleep(0.02)
        first = time.perf_counter() - t0
        t1 = time.perf_counter()
        with urllib.request.urlopen(base + "/disease/dermatomyositis", timeout=60) as r:
            r.read()
        page = time.perf_counter() - t1
    finally:
        proc.terminate()
        proc.wait(10)
    return first, page


def measure(src: Path, names, repeat: int, serve: bool) -> dict:
    res = {}
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        env = env_for(src, cache)
        for name in names:
            runs = [time_once(COMMANDS[name], env, tmp) for _ in range(repeat + 1)]
            walls = [w for w, _ in runs]
            inner = [i for _, i in runs[1:] if i is not None]
            res[name] = {
                "first": walls[0],
                "median": statistics.median(walls[1:]),
                "min": min(walls[1:]),
                "inner": statistics.median(inner) if inner else None,
            }
            print(f"  {name:34s} {res[name]['median']:6.2f} s", file=sys.stderr, flush=True)
        if serve:
            # the server is timed with the derived-table cache filled (a server starts after
            # install or after an earlier command has filled it)
            time_once(COMMANDS["first inhibition() after import"], env, tmp)
            s = [time_serve(env) for _ in range(max(1, repeat // 2))]
            res["serve: first answer"] = {"median": statistics.median(a for a, _ in s)}
            res["serve: first disease page"] = {"median": statistics.median(b for _, b in s)}
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--baseline", help="git ref to compare against (e.g. HEAD~3 or main)")
    ap.add_argument("--only", nargs="*", help="command names (substring match)")
    ap.add_argument("--no-serve", action="store_true")
    a = ap.parse_args()
    names = [n for n in COMMANDS if not a.only or any(o in n for o in a.only)]
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}", flush=True)
    print("current tree", file=sys.stderr)
    cur = measure(ROOT / "src", names, a.repeat, not a.no_serve)
    base = None
    if a.baseline:
        with tempfile.TemporaryDirectory() as tmp:
            src = tree_from_ref(a.baseline, Path(tmp))
            print(f"baseline {a.baseline}", file=sys.stderr)
            base = measure(src, names, a.repeat, not a.no_serve)
    head = f"{'command':34s} {'first':>7s} {'median':>7s} {'min':>7s}"
    if base:
        head += f" | {a.baseline + ' median':>14s} {'ratio':>6s}"
    print(f"seconds, median of {a.repeat} fresh processes (first = empty derived-table cache)")
    print(head)
    for name, r in cur.items():
        line = f"{name:34s} {r.get('first', float('nan')):7.2f} {r['median']:7.2f} "
        line += f"{r.get('min', float('nan')):7.2f}"
        if base:
            b = base[name]["median"]
            line += f" | {b:14.2f} {b / r['median']:5.1f}x"
        if r.get("inner") is not None:
            line += f"   (call alone {r['inner']:.3f} s"
            if base and base[name].get("inner"):
                line += f", baseline {base[name]['inner']:.3f} s"
            line += ")"
        print(line)


if __name__ == "__main__":
    main()
