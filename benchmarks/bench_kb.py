"""Knowledge-base load time (warm) and `jakpath drug NAME` cold start, with baselines.

Targets (issue 2): load the whole knowledge base in under 300 ms warm; `jakpath drug NAME`
answers in under 1 s from a cold start. Baselines run side by side: plain pandas.read_csv of
every data file (no validation), and `python3 -c "import pandas"` (interpreter + pandas).
Run: python3 benchmarks/bench_kb.py
"""

import statistics
import subprocess
import sys
import time

import pandas as pd

from jakpath.kb.knowledge_base import _load_cached, load_kb
from jakpath.kb.load import default_data_dir


def best_of(f, n=7):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)


def load_uncached():
    _load_cached.cache_clear()
    load_kb()


def read_csvs():
    for path in default_data_dir().glob("*.csv"):
        pd.read_csv(path, dtype=str, keep_default_na=False)


def run(cmd):
    subprocess.run(cmd, check=True, capture_output=True)


def main():
    load_uncached()  # warm the file cache and imports
    kb_best, kb_med = best_of(load_uncached)
    csv_best, csv_med = best_of(read_csvs)
    cli = [sys.executable, "-m", "jakpath.cli", "drug", "Rinvoq"]
    cold_best, cold_med = best_of(lambda: run(cli), n=5)
    base_best, base_med = best_of(lambda: run([sys.executable, "-c", "import pandas"]), n=5)
    print(
        f"tables: {len(load_kb().tables)}, rows: {sum(len(t) for t in load_kb().tables.values())}"
    )
    print(
        f"load_kb (read + validate + frames): best {kb_best * 1e3:7.1f} ms, "
        f"median {kb_med * 1e3:7.1f} ms  (target < 300 ms)"
    )
    print(
        f"baseline pandas.read_csv, no checks : best {csv_best * 1e3:7.1f} ms  "
        f"ratio {kb_best / csv_best:.2f}x"
    )
    print(
        f"jakpath drug Rinvoq, cold process   : best {cold_best * 1e3:7.1f} ms, "
        f"median {cold_med * 1e3:7.1f} ms  (target < 1000 ms)"
    )
    print(
        f"baseline python -c 'import pandas'  : best {base_best * 1e3:7.1f} ms  "
        f"ratio {cold_best / base_best:.2f}x"
    )


if __name__ == "__main__":
    main()
