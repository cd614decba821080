"""Population kernel vs libroadrunner and solve_ivp, side by side (issues 7, 17; workload W).

Workload W: one-compartment oral model (ka 1.5/h, CL 40 L/h, V 200 L, 15 mg every 24 h), CV 30%
on CL and V and 50% on ka (log-normal), 7 days from the first dose at 15-minute steps, 10
pathways (IC50 5..2560 nM, Hill 1); per subject and pathway the mean inhibition, the hours at
or above 50% and the trough.

Two modes, reported separately and counted in subject-days actually evaluated:

* full-course: concentration and inhibition at all 673 time points of the 7 days (the same work
  as the ODE baselines, which integrate and output every point): N x 7 subject-days;
* last-day: the 97 points of day 7 only (what ``population()`` needs): N x 1 subject-day.

Engines in the same run: jakpath's fused kernel (Numba, when installed) and its NumPy array
kernel on 1 and all cores, the same kernel under JAX (CPU, float64, jit) when installed, and
per-subject libroadrunner and solve_ivp (LSODA) on the full course (their inhibition metrics
are computed from their concentrations, so they do the same work). Also printed: the largest
difference of the baselines' concentrations and metrics from the closed form, and the machine
bound measured in the same run (this machine's exp() and division rates in cache, times the
kernel's count of them: 2 exponentials per live term and time point, 1 division per time point
and pathway), with each engine's ratio to it.

    python3 benchmarks/bench_population.py                      # CPU: N = 1e3, 1e4, 1e5
    python3 benchmarks/bench_population.py --n 10000            # the issue's N
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
MODES = {  # name: (times, weights, hours spanned, subject-days evaluated per subject)
    "full-course": (T_ALL, trapezoid_weights(T_ALL), DAYS * 24.0, DAYS),
    "last-day": (T_LAST, W, 24.0, 1),
}
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


def kernel_numpy(params, threads=1, chunk=1024, mode="last-day", fused=None):
    """jakpath's kernel in blocks of ``chunk`` subjects on ``threads`` threads."""
    t, w, span, _ = MODES[mode]
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
            t,
            w,
            span,
            LIVE,
            np.full(m, float(DAYS)),
            np,
            fused=fused,
        )

    bounds = [(i, min(n, i + chunk)) for i in range(0, n, chunk)]
    if threads == 1:
        return [run(*b) for b in bounds]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda b: run(*b), bounds))


def kernel_jax(params, mode="last-day"):
    """The same kernel traced and compiled by JAX (CPU, float64): returns a timed callable."""
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    t, w, span, _ = MODES[mode]
    n = params["cl_L_per_h"].size
    p = {k: jnp.asarray(v) for k, v in params.items()}
    ic50 = jnp.broadcast_to(jnp.asarray(IC50), (n, IC50.size))
    fn = jax.jit(
        lambda p: subject_metrics(
            p,
            jnp.full(n, DOSE_NMOL),
            jnp.full(n, 24.0),
            ic50,
            jnp.asarray(t),
            jnp.asarray(w),
            span,
            LIVE,
            jnp.full(n, float(DAYS)),
            jnp,
        )
    )
    jax.block_until_ready(fn(p))  # compile outside the timing
    return lambda: jax.block_until_ready(fn(p))


def metrics_from_conc(conc, t, w, span):
    """The kernel's metrics from concentrations on a grid (for the ODE baselines)."""
    x = conc[:, :, None] / IC50[None, None, :]
    inh = x / (1.0 + x)
    mean = np.einsum("stp,t->sp", inh, w)
    hours = np.einsum("stp,t->sp", (x >= 1.0).astype(float), w) * span
    return mean, hours, inh.min(axis=1)


def conc_numpy(params, t):
    from jakpath.exposure.kernels import concentration

    p = PKParams(**params)
    n = p.n
    return concentration(p, np.full(n, DOSE_NMOL), t, np.full(n, 24.0), np.full(n, 7.0))


def baseline_solve_ivp(params, n):
    from scipy.integrate import solve_ivp

    conc = np.empty((n, T_ALL.size))
    for i in range(n):
        ka, k, v = (
            params["ka_per_h"][i],
            params["cl_L_per_h"][i] / params["v_L"][i],
            params["v_L"][i],
        )
        y = np.zeros(2)
        out = []
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
            out.append(sol.y[1] / v if d == 0 else sol.y[1][1:] / v)  # day boundaries once
        conc[i] = np.concatenate(out)
    return conc, metrics_from_conc(conc, T_ALL, MODES["full-course"][1], DAYS * 24.0)


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
    conc = np.empty((n, T_ALL.size))
    for i in range(n):
        rr.resetAll()
        rr.ka = params["ka_per_h"][i]
        rr.k = params["cl_L_per_h"][i] / params["v_L"][i]
        rr.V = params["v_L"][i]
        rr.dose = DOSE_NMOL
        rr.A_gut = DOSE_NMOL  # the first dose (an event at time 0 would not fire: true at t0)
        res = rr.simulate(0, DAYS * 24.0, T_ALL.size, ["time", "C"])
        conc[i] = np.asarray(res[:, 1])
    return conc, metrics_from_conc(conc, T_ALL, MODES["full-course"][1], DAYS * 24.0)


def machine_rates():
    """This machine's exp() and division throughput per core, in cache (per second)."""
    x = np.random.default_rng(0).random(1 << 16)  # in cache: arithmetic rate, not memory
    out = np.empty_like(x)
    t_exp = best(lambda: [np.exp(x, out=out) for _ in range(50)], 5)[0] / (50 * x.size)
    t_div = best(lambda: [np.divide(x, out, out=out) for _ in range(50)], 5)[0] / (50 * x.size)
    return t_exp, t_div


def machine_bound(n_subjects, threads, mode, t_exp, t_div):
    """Seconds the kernel's exp() and division count needs at the measured rates."""
    n_t = MODES[mode][0].size
    n_terms = int((LIVE == 1).sum())
    exps = n_subjects * n_t * n_terms * 2  # finite doses: two exponentials per term
    divs = n_subjects * n_t * IC50.size  # x / (1 + x); C / IC50 is a product
    return (exps * t_exp + divs * t_div) / threads


def best(f, repeat=3):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
    return min(times), out


def cpu(args):
    from jakpath.population.fused import available

    threads = os.cpu_count() or 1
    print(
        f"machine: {platform.processor() or platform.machine()}, {threads} cores, "
        f"numpy {np.__version__}, load {os.getloadavg()[0]:.2f}"
    )
    nb = args.baseline_subjects
    params_b = subjects(nb, seed=1)
    t_ivp, (c_ivp, m_ivp) = best(lambda: baseline_solve_ivp(params_b, nb), 1)
    rate_ivp = nb * DAYS / t_ivp
    try:
        t_rr, (c_rr, m_rr) = best(lambda: baseline_roadrunner(params_b, nb), 1)
        rate_rr = nb * DAYS / t_rr
    except ImportError:
        c_rr, m_rr, rate_rr = None, None, math.nan
        print("libroadrunner/antimony not installed: pip install libroadrunner antimony")
    c_k = conc_numpy(params_b, T_ALL)
    m_k = [np.concatenate(x) for x in zip(*kernel_numpy(params_b, mode="full-course"), strict=True)]
    for name, c_b, m_b in (("solve_ivp", c_ivp, m_ivp), ("libroadrunner", c_rr, m_rr)):
        if c_b is None:
            continue
        late = T_ALL >= 1.0  # relative differences away from the zero start
        print(
            f"closed form vs {name}, full course: max relative difference of concentrations "
            f"{np.max(np.abs(c_k[:, late] - c_b[:, late]) / np.abs(c_b[:, late])):.1e}; "
            f"of mean inhibition {np.max(np.abs(m_k[0] - m_b[0]) / m_b[0]):.1e}; "
            f"max |hours >= 50%| difference {np.max(np.abs(m_k[1] - m_b[1])):.2f} h"
        )
    print(f"baselines, full course ({nb} subjects, per subject, C and I at {T_ALL.size} points):")
    print(f"  solve_ivp (LSODA) {rate_ivp:12.1f} subject-days/s")
    print(f"  libroadrunner     {rate_rr:12.1f} subject-days/s")
    t_exp, t_div = machine_rates()
    print(f"machine rates in cache: exp {1 / t_exp:.3g}/s, division {1 / t_div:.3g}/s per core")
    engines = []
    if available():
        engines.append(("jakpath fused (numba)", True))
    else:
        print("numba not installed (pip install 'jakpath[fast]'): fused kernel skipped")
    engines.append(("jakpath numpy arrays", False))
    head = (
        f"{'mode':12s} {'N':>8s} {'engine':24s} {'thr':>3s} {'seconds':>8s} "
        f"{'subj-days/s':>12s} {'x rr':>7s} {'x ivp':>7s} {'/bound':>7s}"
    )
    print(head)
    for n in args.n:
        params = subjects(n)
        for mode in MODES:
            days = MODES[mode][3]
            rows = []
            for name, fused in engines:
                if fused:
                    kernel_numpy(params, 1, mode=mode, fused=True)  # compile/load outside timing
                for th in sorted({1, threads}):
                    t_k, _ = best(
                        lambda p=params, th=th, f=fused, m=mode: kernel_numpy(
                            p, th, mode=m, fused=f
                        )
                    )
                    rows.append((name, th, t_k))
            try:
                run = kernel_jax(params, mode)
                rows.append(("jax jit (cpu, float64)", threads, best(run)[0]))
            except ImportError:
                pass
            for name, th, t_k in rows:
                rate = n * days / t_k
                bound = machine_bound(n, th, mode, t_exp, t_div)
                print(
                    f"{mode:12s} {n:8d} {name:24s} {th:3d} {t_k:8.3f} {rate:12.4g} "
                    f"{rate / rate_rr:7.0f} {rate / rate_ivp:7.0f} {t_k / bound:7.2f}"
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
