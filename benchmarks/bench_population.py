"""Population kernel vs libroadrunner and scipy solve_ivp, side by side (issue 7, workload W).

Workload W: one-compartment oral model (ka 1.5/h, CL 40 L/h, V 200 L, 15 mg every 24 h), CV 30%
on CL and V and 50% on ka (log-normal), 7 days from the first dose at 15-minute steps, 10
pathways (IC50 5..2560 nM, Hill 1); per subject and pathway the mean inhibition over the last
24 h and the hours at or above 50%. The closed form evaluates the last day directly (no
integration through days 1-6); the ODE baselines integrate all 7 days per subject.

Prints subject-days per second for each engine, their ratios, the maximum relative difference
of the last-day concentrations, the machine bound (measured exp() and division throughput
times the kernel's operation count) and the kernel's ratio to it.

    python3 benchmarks/bench_population.py                      # CPU: N = 1e3, 1e4, 1e5
    python3 benchmarks/bench_population.py --gpu --n 1000000    # on a GPU machine
    python3 benchmarks/bench_population.py --dask --n 1000000   # 1 vs 2 local workers
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import time

import numpy as np

from jakpath.exposure.kernels import PKParams
from jakpath.population.kernel import live_terms, subject_metrics, trapezoid_weights

MW = 380.4  # g/mol, converts 15 mg to nmol (any fixed value: the comparison is like for like)
DOSE_NMOL = 15.0 * 1e6 / MW
IC50 = 5.0 * 2.0 ** np.arange(10)
DAYS = 7
T_LAST = np.linspace(6 * 24.0, 7 * 24.0, 97)
T_ALL = np.arange(0.0, DAYS * 24 + 1e-9, 0.25)
W = trapezoid_weights(T_LAST)
TYPICAL = dict(
    cl_L_per_h=40.0,
    v_L=200.0,
    q_L_per_h=0.0,
    v2_L=1.0,
    ka_per_h=1.5,
    tlag_h=0.0,
    d1_h=0.0,
    frac_zero_order=0.0,
)
CV = dict(cl_L_per_h=0.3, v_L=0.3, ka_per_h=0.5)
LIVE = live_terms(PKParams(**{k: np.array([v]) for k, v in TYPICAL.items()}))


def subjects(n, seed=0):
    rng = np.random.default_rng(seed)
    out = {}
    for k, v in TYPICAL.items():
        cv = CV.get(k, 0.0)
        s = math.sqrt(math.log(1 + cv * cv))
        out[k] = v * np.exp(rng.standard_normal(n) * s) if cv else np.full(n, v)
    return out


def kernel_numpy(params, threads=1, chunk=1024):
    n = params["cl_L_per_h"].size
    ic50 = np.broadcast_to(IC50, (n, IC50.size))

    def run(lo, hi):
        p = {k: v[lo:hi] for k, v in params.items()}
        m = hi - lo
        return subject_metrics(
            p,
            np.full(m, DOSE_NMOL),
            np.full(m, 24.0),
            ic50[lo:hi],
            T_LAST,
            W,
            24.0,
            LIVE,
            np.full(m, float(DAYS)),
            np,
        )

    bounds = [(i, min(n, i + chunk)) for i in range(0, n, chunk)]
    if threads == 1:
        return [run(*b) for b in bounds]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda b: run(*b), bounds))


def conc_numpy(params, t):
    from jakpath.exposure.kernels import concentration

    p = PKParams(**params)
    n = p.n
    return concentration(p, np.full(n, DOSE_NMOL), t, np.full(n, 24.0), np.full(n, 7.0))


def baseline_solve_ivp(params, n):
    from scipy.integrate import solve_ivp

    conc = np.empty((n, T_LAST.size))
    for i in range(n):
        ka, k, v = (
            params["ka_per_h"][i],
            params["cl_L_per_h"][i] / params["v_L"][i],
            params["v_L"][i],
        )
        y = np.zeros(2)
        for d in range(DAYS):
            y = y + [DOSE_NMOL, 0.0]
            lo, hi = 24.0 * d, 24.0 * (d + 1)
            seg = T_ALL[(T_ALL >= lo) & (T_ALL <= hi)]
            sol = solve_ivp(
                lambda t, y, ka=ka, k=k: [-ka * y[0], ka * y[0] - k * y[1]],
                (lo, hi),
                y,
                method="LSODA",
                t_eval=seg,
                rtol=1e-8,
                atol=1e-10,
            )
            y = sol.y[:, -1]
        conc[i] = sol.y[1] / v
    return conc


def baseline_roadrunner(params, n):
    import antimony
    import roadrunner

    model = """
    model pk
      compartment central = 1;
      species A_gut = 0; species A_c = 0;
      J_abs: A_gut => A_c; ka * A_gut;
      J_el: A_c => ; k * A_c;
      ka = 1.5; k = 0.2; V = 200;
      C := A_c / V;
      dose = 0;
      at (time >= 0): A_gut = A_gut + dose;
      at (time >= 24): A_gut = A_gut + dose;
      at (time >= 48): A_gut = A_gut + dose;
      at (time >= 72): A_gut = A_gut + dose;
      at (time >= 96): A_gut = A_gut + dose;
      at (time >= 120): A_gut = A_gut + dose;
      at (time >= 144): A_gut = A_gut + dose;
    end
    """
    if antimony.loadAntimonyString(model) < 0:
        raise RuntimeError(antimony.getLastError())
    rr = roadrunner.RoadRunner(antimony.getSBMLString("pk"))
    rr.integrator.relative_tolerance = 1e-8
    rr.integrator.absolute_tolerance = 1e-10
    conc = np.empty((n, T_LAST.size))
    for i in range(n):
        rr.resetAll()
        rr.ka = params["ka_per_h"][i]
        rr.k = params["cl_L_per_h"][i] / params["v_L"][i]
        rr.V = params["v_L"][i]
        rr.dose = DOSE_NMOL
        res = rr.simulate(0, DAYS * 24.0, T_ALL.size, ["time", "C"])
        conc[i] = np.asarray(res[:, 1])[-T_LAST.size :]
    return conc


def machine_bound(n_subjects, threads):
    """Seconds the kernel's exp() and division count needs at this machine's measured rates."""
    x = np.random.default_rng(0).random(1 << 16)  # in cache: arithmetic rate, not memory
    out = np.empty_like(x)
    t_exp = best(lambda: [np.exp(x, out=out) for _ in range(50)], 5)[0] / (50 * x.size)
    t_div = best(lambda: [np.divide(x, out, out=out) for _ in range(50)], 5)[0] / (50 * x.size)
    n_terms = int((LIVE == 1).sum())
    exps = n_subjects * T_LAST.size * n_terms * 2  # finite doses: two exponentials per term
    divs = n_subjects * T_LAST.size * IC50.size  # x / (1 + x); C / IC50 is a product
    return (exps * t_exp + divs * t_div) / threads, 1 / t_exp, 1 / t_div


def best(f, repeat=3):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
    return min(times), out


def cpu(args):
    threads = os.cpu_count() or 1
    print(
        f"machine: {platform.processor() or platform.machine()}, {threads} cores, "
        f"numpy {np.__version__}"
    )
    params_b = subjects(args.baseline_subjects, seed=1)
    t_ivp, c_ivp = best(lambda: baseline_solve_ivp(params_b, args.baseline_subjects), 1)
    rate_ivp = args.baseline_subjects * DAYS / t_ivp
    try:
        t_rr, c_rr = best(lambda: baseline_roadrunner(params_b, args.baseline_subjects), 1)
        rate_rr = args.baseline_subjects * DAYS / t_rr
    except ImportError:
        c_rr, rate_rr = None, math.nan
        print(
            "libroadrunner/antimony not installed: pip install libroadrunner antimony "
            "(baseline skipped)"
        )
    c_k = conc_numpy(params_b, T_LAST)
    print(
        f"max relative difference vs solve_ivp: "
        f"{np.max(np.abs(c_k - c_ivp) / np.abs(c_ivp)):.2e}"
        + (
            f"; vs libroadrunner: {np.max(np.abs(c_k - c_rr) / np.abs(c_rr)):.2e}"
            if c_rr is not None
            else ""
        )
    )
    print(
        f"solve_ivp (LSODA) per subject: {rate_ivp:12.1f} subject-days/s "
        f"({args.baseline_subjects} subjects)"
    )
    print(f"libroadrunner per subject    : {rate_rr:12.1f} subject-days/s")
    for n in args.n:
        params = subjects(n)
        for th in sorted({1, threads}):
            t_k, _ = best(lambda p=params, th=th: kernel_numpy(p, th))
            rate = n * DAYS / t_k
            bound, exp_rate, div_rate = machine_bound(n, th)
            print(
                f"N={n:>9} threads={th}: {rate:12.4g} subject-days/s  "
                f"x{rate / rate_rr:8.0f} libroadrunner  x{rate / rate_ivp:8.0f} solve_ivp  "
                f"bound {bound * 1e3:8.1f} ms vs kernel {t_k * 1e3:8.1f} ms "
                f"(ratio {t_k / bound:.2f}; exp {exp_rate:.3g}/s, div {div_rate:.3g}/s)"
            )


def gpu(args):
    """End to end through the public API: draws, kernel and histograms on the device."""
    import subprocess

    from jakpath.population import population

    try:
        query = ["nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader"]
        print(subprocess.run(query, capture_output=True, text=True).stdout.strip())
    except FileNotFoundError:
        print("no nvidia-smi: not a GPU machine")
    kw = dict(
        pathways=["IL6", "IL15", "EPO", "IFNA", "IL2", "IL4", "IL21", "GMCSF", "TPO", "IFNG"],
        days=7.0,
        seed=1,
    )
    population("tofacitinib", "5 mg bid", n=1000, **kw)  # warm the knowledge-base caches
    for n in args.n:
        cpu_t, _ = best(
            lambda n=n: population(
                "tofacitinib", "5 mg bid", n=n, backend="numpy", chunk=100_000, **kw
            ),
            1,
        )
        print(f"numpy ({os.cpu_count()} cores) N={n}: {n * DAYS / cpu_t:.3g} subject-days/s")
        for backend in ("jax", "cupy"):
            try:
                __import__(backend)
            except ImportError:
                print(f"{backend} not installed")
                continue
            population("tofacitinib", "5 mg bid", n=n, backend=backend, chunk=n, **kw)  # warm
            t_b, df = best(
                lambda n=n, b=backend: population(
                    "tofacitinib", "5 mg bid", n=n, backend=b, chunk=n, **kw
                ),
                3,
            )
            print(
                f"{backend} float64 N={n}: {n * DAYS / t_b:.3g} subject-days/s end to end "
                f"(public API, 10 pathways, 7 days), x{cpu_t / t_b:.1f} the CPU backend"
            )


def dask_scaling(args):
    """One vs two local Dask workers through the public API (backend='dask', scheduler=...)."""
    from distributed import LocalCluster

    from jakpath.population import population

    n = args.n[0]
    kw = dict(
        pathways=["IL6", "IL15", "EPO", "IFNA", "IL2", "IL4", "IL21", "GMCSF", "TPO", "IFNG"],
        days=7.0,
        seed=1,
        chunk=50_000,
        backend="dask",
    )
    rates = {}
    for workers in (1, 2):
        with LocalCluster(
            n_workers=workers, threads_per_worker=1, dashboard_address=None
        ) as cluster:
            population(
                "tofacitinib", "5 mg bid", n=50_000, scheduler=cluster.scheduler_address, **kw
            )  # warm the workers' imports and caches
            t, _ = best(
                lambda c=cluster: population(
                    "tofacitinib", "5 mg bid", n=n, scheduler=c.scheduler_address, **kw
                ),
                2,
            )
            rates[workers] = n * DAYS / t
            print(f"dask {workers} worker(s), N={n}: {rates[workers]:.3g} subject-days/s")
    print(f"two workers / one worker: {rates[2] / rates[1]:.2f}x (target >= 1.6x)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    ap.add_argument("--baseline-subjects", type=int, default=50)
    ap.add_argument("--gpu", action="store_true")
    ap.add_argument("--dask", action="store_true")
    args = ap.parse_args()
    if args.gpu:
        gpu(args)
    elif args.dask:
        dask_scaling(args)
    else:
        cpu(args)


if __name__ == "__main__":
    main()
