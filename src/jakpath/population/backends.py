"""Execution backends behind one interface: numpy | jax | cupy | dask.

A backend runs chunks ``(offset, size)`` of subjects: it draws the subjects' random effects
(counter-based, identical on every backend), runs the population kernel and bins the metrics
where the chunk ran, and yields ``(counts, per_subject, size)`` per chunk, in order.
``counts`` maps metric -> (P, bins) host array; ``per_subject`` is ``(mean, hours, trough)``
as host arrays when asked for (tests), else None. Optional libraries are imported only when
their backend is asked for.
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

NUMPY_BLOCK = 1024
"""Subjects per NumPy kernel call inside a chunk: (block x times x pathways) temporaries stay
in cache (about 2x faster than whole chunks on this project's CI machine)."""


class BackendError(RuntimeError):
    """A backend that is unknown, not installed or unreachable."""


def _metrics(spec, offset, size, seed, xp):
    from jakpath.population.kernel import subject_metrics
    from jakpath.population.simulate import cohort_dose, draw

    params, ic50 = draw(spec, offset, size, seed, xp)
    n_doses = None if spec.n_doses is None else xp.full(size, spec.n_doses)
    return subject_metrics(
        params,
        cohort_dose(spec, offset, size, xp),
        xp.full(size, spec.tau_h),
        ic50,
        xp.asarray(spec.t_h),
        xp.asarray(spec.weights),
        spec.span_h,
        spec.live,
        n_doses,
        xp,
    )


def _bin(hist, mean, hours, trough, xp):
    from jakpath.population.simulate import bin_counts

    return {
        "mean_inhibition": bin_counts(mean, hist.inh_edges, xp),
        "hours_ge_50": bin_counts(hours, hist.hour_edges, xp),
        "trough_inhibition": bin_counts(trough, hist.inh_edges, xp),
    }


def numpy_chunk(spec, offset, size, seed, hist, keep):
    """One chunk on NumPy, in cache-sized blocks; also the unit of work of the Dask backend."""
    parts = [
        _metrics(spec, lo, min(NUMPY_BLOCK, offset + size - lo), seed, np)
        for lo in range(offset, offset + size, NUMPY_BLOCK)
    ]
    mean, hours, trough = (np.concatenate(x) for x in zip(*parts, strict=True))
    return _bin(hist, mean, hours, trough, np), ((mean, hours, trough) if keep else None), size


def _run_numpy(spec, chunks, seed, hist, keep) -> Iterator:
    with ThreadPoolExecutor(NUMPY_THREADS) as pool:
        window = []  # a bounded window of chunks in flight keeps memory bounded
        for offset, size in chunks:
            window.append(pool.submit(numpy_chunk, spec, offset, size, seed, hist, keep))
            if len(window) >= NUMPY_THREADS:
                yield window.pop(0).result()
        for fut in window:
            yield fut.result()


_JAX_COMPILED: dict = {}
"""Jitted chunk functions, keyed by the population spec's content and the chunk size, so
repeated calls (and every chunk of one size) reuse one compilation."""


def _spec_key(spec) -> tuple:
    return (
        tuple(sorted(spec.typical.items())),
        tuple(sorted(spec.cv.items())),
        spec.dose_nmol,
        spec.tau_h,
        spec.ic50_nM.tobytes(),
        spec.ic50_log10_sd.tobytes(),
        spec.t_h.tobytes(),
        spec.span_h,
        spec.n_doses,
        spec.live.tobytes(),
        tuple((k, v.tobytes()) for k, v in sorted((spec.cohort or {}).items())),
    )


def _run_jax(spec, chunks, seed, hist, keep) -> Iterator:
    try:
        import jax
        import jax.numpy as jnp
    except ImportError as exc:
        raise BackendError("backend 'jax' needs the jax package: pip install jax") from exc
    jax.config.update("jax_enable_x64", True)
    seed_arr = jnp.asarray(seed % (1 << 64), dtype=jnp.uint64)
    for offset, size in chunks:
        key = (_spec_key(spec), size)
        if key not in _JAX_COMPILED:

            def chunk_fn(off, sd, size=size):
                mean, hours, trough = _metrics(spec, off, size, sd, jnp)
                counts = (
                    bin_counts_device(mean, hist.inh_edges, jnp),
                    bin_counts_device(hours, hist.hour_edges, jnp),
                    bin_counts_device(trough, hist.inh_edges, jnp),
                )
                return counts, (mean, hours, trough)

            _JAX_COMPILED[key] = jax.jit(chunk_fn)
        counts, per = _JAX_COMPILED[key](jnp.asarray(offset, dtype=jnp.uint64), seed_arr)
        counts = {
            m: np.asarray(c)
            for m, c in zip(
                ("mean_inhibition", "hours_ge_50", "trough_inhibition"), counts, strict=True
            )
        }
        per = tuple(np.asarray(x) for x in per) if keep else None
        yield counts, per, size


def bin_counts_device(values, edges, xp):
    """Histogram counts (P, bins) as a device array (traceable by JAX)."""
    nb = edges.size - 1
    width = (edges[-1] - edges[0]) / nb
    idx = xp.clip(xp.floor((values - edges[0]) / width), 0, nb - 1).astype(xp.int64)
    p = values.shape[1]
    flat = (idx + (xp.arange(p, dtype=xp.int64) * nb)[None, :]).ravel()
    return xp.bincount(flat, length=p * nb).reshape(p, nb)


def _run_cupy(spec, chunks, seed, hist, keep) -> Iterator:
    try:
        import cupy as cp
    except ImportError as exc:
        raise BackendError(
            "backend 'cupy' needs the cupy package (e.g. pip install cupy-cuda12x) and a CUDA GPU"
        ) from exc
    for offset, size in chunks:
        mean, hours, trough = _metrics(spec, offset, size, seed, cp)
        per = tuple(cp.asnumpy(x) for x in (mean, hours, trough)) if keep else None
        yield _bin(hist, mean, hours, trough, cp), per, size


def _run_dask(spec, chunks, seed, hist, keep, scheduler=None) -> Iterator:
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
            client.submit(numpy_chunk, spec, offset, size, seed, hist, keep, pure=False)
            for offset, size in chunks
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
        return lambda *args: _run_dask(*args, scheduler=scheduler)
    raise BackendError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
