"""Ranking one disease over all candidates, warm, with and without rank stability.

Target (issue 4): under 200 ms warm for a ranking. Baseline run side by side: the same
inhibition metrics computed one candidate at a time through the public `inhibition()` call
(what a user script without the vectorised matcher would do).
Run: python3 benchmarks/bench_matching.py [disease]
"""

import sys
import time

import jakpath
from jakpath.matching.scoring import approved_regimens


def best(f, n=5):
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        f()
        out.append(time.perf_counter() - t0)
    return min(out)


def main():
    disease = sys.argv[1] if len(sys.argv) > 1 else "dermatomyositis"
    kb = jakpath.load_kb()
    jakpath.rank(disease, kb=kb)  # warm caches (potency table, PK models)
    t_rank = best(lambda: jakpath.rank(disease, kb=kb, stability=False))
    t_stab = best(lambda: jakpath.rank(disease, kb=kb, stability=True))
    cands = approved_regimens(kb)
    t_base = best(lambda: [jakpath.inhibition(d, r, kb=kb) for d, r in cands], n=2)
    print(f"{disease}: {len(cands)} candidates")
    print(f"rank (components, no stability): {t_rank * 1e3:7.1f} ms  (target < 200 ms)")
    print(f"rank with stability (200 draws): {t_stab * 1e3:7.1f} ms")
    print(
        f"baseline: inhibition() per candidate: {t_base * 1e3:7.1f} ms  "
        f"ratio {t_base / t_rank:.1f}x"
    )


if __name__ == "__main__":
    main()
