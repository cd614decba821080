"""Exposure + inhibition kernel vs a per-subject scipy solve_ivp baseline, side by side.

Workload (issue 3): 1,000 subjects x 7 days at 15-minute steps x 10 pathways; one-compartment
oral model (ka 1.5/h, CL 40 L/h, V 200 L, 15 mg every 24 h) with log-normal variability
(CV 30% on CL and V, 50% on ka); IC50s 5..2560 nM, Hill 1; per subject and pathway the mean
inhibition over the last 24 h and the hours at or above 50%.

The baseline (LSODA per subject, then the same Hill and metric step) runs on a subset and is
reported per subject; the speed ratio compares subjects per second. Peak memory by
tracemalloc. Run: python3 benchmarks/bench_exposure.py [--subjects N] [--baseline-subjects M]
"""

import argparse
import time
import tracemalloc

import numpy as np
from scipy.integrate import solve_ivp

from jakpath.exposure.kernels import PKParams, concentration
from jakpath.inhibition.hill import daily_metrics, inhibition

MW = 380.4  # g/mol, only to convert the dose to nmol (upadacitinib free base)


def population(n, seed=0):
    rng = np.random.default_rng(seed)

    def cv(c):  # log-normal with coefficient of variation c
        s = np.sqrt(np.log(1 + c * c))
        return rng.lognormal(-s * s / 2, s, n)

    return PKParams(
        cl_L_per_h=40.0 * cv(0.3),
        v_L=200.0 * cv(0.3),
        q_L_per_h=np.zeros(n),
        v2_L=np.ones(n),
        ka_per_h=1.5 * cv(0.5),
        tlag_h=np.zeros(n),
        d1_h=np.zeros(n),
        frac_zero_order=np.zeros(n),
    )


IC50 = 5.0 * 2.0 ** np.arange(10)  # 5 .. 2560 nM
T = np.arange(0, 7 * 24 + 1e-9, 0.25)
LAST_DAY = T >= 6 * 24
DOSE_NMOL = 15.0 * 1e6 / MW


def kernel(p):
    c = concentration(p, np.full(p.n, DOSE_NMOL), T, np.full(p.n, 24.0), np.full(p.n, 7.0))
    m = daily_metrics(inhibition(c[:, LAST_DAY], IC50), T[LAST_DAY])
    return c, m["mean"], m["hours_ge_50"]


def baseline(p, n):
    """Per subject: LSODA between doses (dose added to the depot at each dose time)."""
    conc = np.empty((n, T.size))
    for i in range(n):
        ka, k = p.ka_per_h[i], p.cl_L_per_h[i] / p.v_L[i]

        def rhs(t, y, ka=ka, k=k):
            return [-ka * y[0], ka * y[0] - k * y[1]]

        y = np.array([0.0, 0.0])
        for d in range(7):
            y = y + np.array([DOSE_NMOL, 0.0])
            lo, hi = d * 24.0, (d + 1) * 24.0
            mask = (T >= lo) & ((T < hi) | (d == 6))
            t_eval = T[mask] if d == 6 else np.append(T[mask], hi)
            sol = solve_ivp(rhs, (lo, hi), y, method="LSODA", t_eval=t_eval, rtol=1e-10, atol=1e-12)
            conc[i, mask] = sol.y[1, : mask.sum()] / p.v_L[i]
            y = sol.y[:, -1]
    m = daily_metrics(inhibition(conc[:, LAST_DAY], IC50), T[LAST_DAY])
    return conc, m["mean"], m["hours_ge_50"]


def timed(f, *a, repeat=3):
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = f(*a)
        best = min(best, time.perf_counter() - t0)
    return best, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--subjects", type=int, default=1000)
    ap.add_argument("--baseline-subjects", type=int, default=100)
    args = ap.parse_args()
    p = population(args.subjects)
    t_k, (c_k, mean_k, _) = timed(kernel, p)
    tracemalloc.start()
    kernel(p)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    nb = args.baseline_subjects
    t_b, (c_b, mean_b, _) = timed(baseline, p, nb, repeat=1)
    rate_k, rate_b = args.subjects / t_k, nb / t_b
    rel = np.max(np.abs(c_k[:nb] - c_b) / np.maximum(np.abs(c_b), 1e-3 * c_b.max()))
    print(f"workload: {args.subjects} subjects x {T.size} times x {IC50.size} pathways")
    print(f"jakpath kernel : {t_k * 1e3:9.1f} ms  {rate_k:12.0f} subjects/s  peak {peak:.0f} MiB")
    print(f"solve_ivp LSODA: {t_b * 1e3:9.1f} ms  {rate_b:12.1f} subjects/s  ({nb} subjects)")
    print(f"speed ratio    : {rate_k / rate_b:9.0f}x   (target >= 500x)")
    print(
        f"max relative difference in concentration: {rel:.2e}; "
        f"mean-inhibition max abs diff {np.max(np.abs(mean_k[:nb] - mean_b)):.2e}"
    )


if __name__ == "__main__":
    main()
