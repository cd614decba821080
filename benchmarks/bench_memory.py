"""Peak memory of a 10-million-subject population on the NumPy backend (issue 7: < 2 GiB).

Runs in a fresh process and reports the peak resident set size (ru_maxrss) beside the peak
of a baseline process that only loads jakpath and its knowledge base.
Run: python3 benchmarks/bench_memory.py [N]
"""

import subprocess
import sys

CODE = """
import resource, sys, time
import jakpath
from jakpath.population import population
kb = jakpath.load_kb()
n = int(sys.argv[1])
t0 = time.perf_counter()
if n:
    df = population("tofacitinib", "5 mg bid", n=n, kb=kb)
print(time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def run(n):
    out = subprocess.run(
        [sys.executable, "-c", CODE, str(n)], capture_output=True, text=True, check=True
    ).stdout.split()
    return float(out[0]), int(out[1]) / 1024  # ru_maxrss is KiB on Linux


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    _, base = run(0)
    seconds, peak = run(n)
    print(f"baseline (import + knowledge base): peak RSS {base:.0f} MiB")
    print(
        f"population N={n:,} (all JAK pathways, numpy): peak RSS {peak:.0f} MiB "
        f"(+{peak - base:.0f} MiB over baseline; target < 2048 MiB), {seconds:.1f} s, "
        f"{n / seconds:.3g} subject-days/s"
    )


if __name__ == "__main__":
    main()
