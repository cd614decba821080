"""Execution backends behind one interface: numpy | jax | cupy | dask.

A backend takes the population spec, the chunk sizes and one seed per chunk, and yields the
per-chunk metrics as host NumPy arrays ``(mean, hours_ge_50, trough)``, each (chunk, P).
Random numbers are always drawn on the host (``draw_chunk``) so every backend sees the same
subjects. Optional libraries are imported only when their backend is asked for.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np

BACKENDS = ("numpy", "jax", "cupy", "dask")

DASK_CONNECT_TIMEOUT_S = 10
"""Seconds to wait for a Dask scheduler before giving up with a clear message."""

NUMPY_THREADS = max(1, min(4, os.cpu_count() or 1))
"""Chunks computed concurrently by the NumPy backend (NumPy releases the GIL in ufuncs)."""


class BackendError(RuntimeError):
    """A backend that is unknown, not installed or unreachable."""


def _numpy_chunk(spec, size, seed):
    from jakpath.population.kernel import subject_metrics
    from jakpath.population.simulate import draw_chunk

    params, ic50 = draw_chunk(spec, size, seed)
    n_doses = None if spec.n_doses is None else np.full(size, spec.n_doses)
    return subject_metrics(
        params,
        np.full(size, spec.dose_nmol),
        np.full(size, spec.tau_h),
        ic50,
        spec.t_h,
        spec.weights,
        spec.span_h,
        spec.live,
        n_doses,
        np,
    )


def _run_numpy(spec, sizes, seeds) -> Iterator:
    with ThreadPoolExecutor(NUMPY_THREADS) as pool:
        # a bounded window of chunks in flight keeps memory bounded
        window = []
        for size, seed in zip(sizes, seeds, strict=True):
            window.append(pool.submit(_numpy_chunk, spec, size, seed))
            if len(window) >= NUMPY_THREADS:
                yield window.pop(0).result()
        for fut in window:
            yield fut.result()


def _run_jax(spec, sizes, seeds) -> Iterator:
    try:
        import jax
        import jax.numpy as jnp
    except ImportError as exc:
        raise BackendError("backend 'jax' needs the jax package: pip install jax") from exc
    from jakpath.population.kernel import subject_metrics
    from jakpath.population.simulate import draw_chunk

    jax.config.update("jax_enable_x64", True)
    t = jnp.asarray(spec.t_h)
    w = jnp.asarray(spec.weights)

    @jax.jit
    def kernel(params, dose, tau, ic50, n_doses):
        return subject_metrics(params, dose, tau, ic50, t, w, spec.span_h, spec.live, n_doses, jnp)

    @jax.jit
    def kernel_ss(params, dose, tau, ic50):
        return subject_metrics(params, dose, tau, ic50, t, w, spec.span_h, spec.live, None, jnp)

    for size, seed in zip(sizes, seeds, strict=True):
        params, ic50 = draw_chunk(spec, size, seed)
        args = (
            {k: jnp.asarray(v) for k, v in params.items()},
            jnp.full(size, spec.dose_nmol),
            jnp.full(size, spec.tau_h),
            jnp.asarray(ic50),
        )
        out = (
            kernel_ss(*args)
            if spec.n_doses is None
            else kernel(*args, jnp.full(size, spec.n_doses))
        )
        yield tuple(np.asarray(x) for x in out)


def _run_cupy(spec, sizes, seeds) -> Iterator:
    try:
        import cupy as cp
    except ImportError as exc:
        raise BackendError(
            "backend 'cupy' needs the cupy package (e.g. pip install cupy-cuda12x) and a CUDA GPU"
        ) from exc
    from jakpath.population.kernel import subject_metrics
    from jakpath.population.simulate import draw_chunk

    t = cp.asarray(spec.t_h)
    w = cp.asarray(spec.weights)
    for size, seed in zip(sizes, seeds, strict=True):
        params, ic50 = draw_chunk(spec, size, seed)
        n_doses = None if spec.n_doses is None else cp.full(size, spec.n_doses)
        out = subject_metrics(
            {k: cp.asarray(v) for k, v in params.items()},
            cp.full(size, spec.dose_nmol),
            cp.full(size, spec.tau_h),
            cp.asarray(ic50),
            t,
            w,
            spec.span_h,
            spec.live,
            n_doses,
            cp,
        )
        yield tuple(cp.asnumpy(x) for x in out)


def _run_dask(spec, sizes, seeds, scheduler=None) -> Iterator:
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise BackendError(
            "backend 'dask' needs dask and distributed: pip install 'dask[distributed]'"
        ) from exc
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout=DASK_CONNECT_TIMEOUT_S)
        else:
            cluster = LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            )
            client = Client(cluster)
    except (OSError, TimeoutError) as exc:
        raise BackendError(
            f"cannot reach the Dask scheduler at {scheduler!r} within "
            f"{DASK_CONNECT_TIMEOUT_S} s: {exc}"
        ) from exc
    try:
        futures = [
            client.submit(_numpy_chunk, spec, size, seed, pure=False)
            for size, seed in zip(sizes, seeds, strict=True)
        ]
        for fut in futures:  # in order, so results match the NumPy backend chunk by chunk
            yield fut.result()
            fut.release()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def get_backend(name: str, scheduler: str | None = None):
    """The chunk runner for a backend name; a clear error for unknown ones."""
    if name == "numpy":
        return _run_numpy
    if name == "jax":
        return _run_jax
    if name == "cupy":
        return _run_cupy
    if name == "dask":
        return lambda spec, sizes, seeds: _run_dask(spec, sizes, seeds, scheduler)
    raise BackendError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
