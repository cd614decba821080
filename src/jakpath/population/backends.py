"""Execution backends behind one interface: numpy | jax | cupy | dask.

A backend runs chunks ``(offset, size)`` of subjects: it draws the subjects' random effects
(counter-based, identical on every backend), runs the population kernel and bins the metrics
where the chunk ran, and yields ``(counts, per_subject, size)`` per chunk, in order.
``counts`` maps metric -> (P, bins) host array; ``per_subject`` is ``(mean, hours, trough)``
as host arrays when asked for (tests), else None. Optional libraries are imported only when
their backend is asked for.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeAlias

import numpy as np

from jakpath.extras import install_hint
from jakpath.population.chunks import (
    METRICS,
    Histograms,
    PopulationSpec,
    bin_counts_device,
    bin_metrics,
    chunk_metrics,
)

logger = logging.getLogger(__name__)

ChunkResult: TypeAlias = tuple[dict[str, np.ndarray], tuple[np.ndarray, ...] | None, int]
"""``(counts, per_subject, size)`` of one chunk: host counts per metric, the per-subject
metrics when kept, and the number of subjects."""


class ChunkRunner(Protocol):
    """What a backend is: runs chunks ``(offset, size)`` in order and yields their results."""

    def __call__(  # noqa: D102 (the class docstring says it)
        self,
        spec: PopulationSpec,
        chunks: Sequence[tuple[int, int]],
        seed: int,
        hist: Histograms,
        keep: bool,
    ) -> Iterator[ChunkResult]: ...


BackendFactory: TypeAlias = Callable[[str | None], ChunkRunner]
"""Makes a backend's chunk runner; the argument is the scheduler address (Dask only)."""

DASK_CONNECT_TIMEOUT_S = 10
"""Seconds to wait for a Dask scheduler before giving up with a clear message."""

NUMPY_THREADS = max(1, min(4, os.cpu_count() or 1))
"""Chunks computed concurrently by the NumPy backend (NumPy releases the GIL in ufuncs)."""

NUMPY_BLOCK = 1024
"""Subjects per NumPy kernel call inside a chunk: (block x times x pathways) temporaries stay
in cache (about 2x faster than whole chunks on this project's CI machine)."""


class BackendError(RuntimeError):
    """A backend that is unknown, not installed or unreachable."""


def numpy_chunk(
    spec: PopulationSpec, offset: int, size: int, seed: int, hist: Histograms, keep: bool
) -> ChunkResult:
    """One chunk on NumPy, in cache-sized blocks; also the unit of work of the Dask backend."""
    parts = [
        chunk_metrics(spec, lo, min(NUMPY_BLOCK, offset + size - lo), seed, np)
        for lo in range(offset, offset + size, NUMPY_BLOCK)
    ]
    mean, hours, trough = (np.concatenate(x) for x in zip(*parts, strict=True))
    per = (mean, hours, trough) if keep else None
    return bin_metrics(hist, mean, hours, trough, np), per, size


def _run_numpy(
    spec: PopulationSpec,
    chunks: Sequence[tuple[int, int]],
    seed: int,
    hist: Histograms,
    keep: bool,
) -> Iterator[ChunkResult]:
    with ThreadPoolExecutor(NUMPY_THREADS) as pool:
        window = []  # a bounded window of chunks in flight keeps memory bounded
        for offset, size in chunks:
            window.append(pool.submit(numpy_chunk, spec, offset, size, seed, hist, keep))
            if len(window) >= NUMPY_THREADS:
                yield window.pop(0).result()
        for fut in window:
            yield fut.result()


JAX_CACHE_SIZE = 32
"""Most jitted chunk functions kept (one per population spec and chunk size); the least
recently used is dropped beyond that, so a long-running server does not grow without bound."""


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


class _SpecKey:
    """A population spec and histogram as an lru_cache key: hashed and compared by content."""

    __slots__ = ("hist", "key", "spec")

    def __init__(self, spec: PopulationSpec, hist: Histograms) -> None:
        self.spec, self.hist = spec, hist
        self.key = (_spec_key(spec), hist.inh_edges.tobytes(), hist.hour_edges.tobytes())

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _SpecKey) and self.key == other.key


@functools.lru_cache(maxsize=JAX_CACHE_SIZE)
def _jax_chunk_fn(key: _SpecKey, size: int) -> Callable:
    """The jitted chunk function of one spec and chunk size (compiled once, then reused)."""
    import jax
    import jax.numpy as jnp

    spec, hist = key.spec, key.hist

    def chunk_fn(off: Any, sd: Any) -> tuple:
        mean, hours, trough = chunk_metrics(spec, off, size, sd, jnp)
        counts = (
            bin_counts_device(mean, hist.inh_edges, jnp),
            bin_counts_device(hours, hist.hour_edges, jnp),
            bin_counts_device(trough, hist.inh_edges, jnp),
        )
        return counts, (mean, hours, trough)

    return jax.jit(chunk_fn)


def _run_jax(
    spec: PopulationSpec,
    chunks: Sequence[tuple[int, int]],
    seed: int,
    hist: Histograms,
    keep: bool,
) -> Iterator[ChunkResult]:
    try:
        import jax
        import jax.numpy as jnp
    except ImportError as exc:
        raise BackendError(f"backend 'jax' needs the jax package: {install_hint('gpu')}") from exc
    jax.config.update("jax_enable_x64", True)
    seed_arr = jnp.asarray(seed % (1 << 64), dtype=jnp.uint64)
    key = _SpecKey(spec, hist)
    for offset, size in chunks:
        fn = _jax_chunk_fn(key, size)
        counts, per = fn(jnp.asarray(offset, dtype=jnp.uint64), seed_arr)
        counts = {m: np.asarray(c) for m, c in zip(METRICS, counts, strict=True)}
        per = tuple(np.asarray(x) for x in per) if keep else None
        yield counts, per, size


def _run_cupy(
    spec: PopulationSpec,
    chunks: Sequence[tuple[int, int]],
    seed: int,
    hist: Histograms,
    keep: bool,
) -> Iterator[ChunkResult]:
    try:
        import cupy as cp
    except ImportError as exc:
        raise BackendError(
            "backend 'cupy' needs the cupy package (e.g. pip install cupy-cuda12x) and a CUDA GPU"
        ) from exc
    for offset, size in chunks:
        mean, hours, trough = chunk_metrics(spec, offset, size, seed, cp)
        per = tuple(cp.asnumpy(x) for x in (mean, hours, trough)) if keep else None
        yield bin_metrics(hist, mean, hours, trough, cp), per, size


def _run_dask(
    spec: PopulationSpec,
    chunks: Sequence[tuple[int, int]],
    seed: int,
    hist: Histograms,
    keep: bool,
    scheduler: str | None = None,
) -> Iterator[ChunkResult]:
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise BackendError(
            f"backend 'dask' needs dask and distributed: {install_hint('dask')}"
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


BACKENDS: dict[str, BackendFactory] = {
    "numpy": lambda scheduler: _run_numpy,
    "jax": lambda scheduler: _run_jax,
    "cupy": lambda scheduler: _run_cupy,
    "dask": lambda scheduler: functools.partial(_run_dask, scheduler=scheduler),
}
"""The backend registry: name -> factory of its chunk runner. Add a backend with
:func:`register_backend`; optional libraries are imported only when their runner runs."""


def register_backend(name: str, factory: BackendFactory) -> None:
    """Make a backend available by name (to ``population(backend=...)`` and the CLI)."""
    if not name or not name.isidentifier():
        raise ValueError(f"backend name must be an identifier, got {name!r}")
    BACKENDS[name] = factory


def get_backend(name: str, scheduler: str | None = None) -> ChunkRunner:
    """The chunk runner of a backend name; a clear error naming the known ones otherwise.

    >>> get_backend("numpy").__name__
    '_run_numpy'
    >>> get_backend("tpu")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    jakpath.population.backends.BackendError: unknown backend 'tpu'; choose one of numpy, ...
    """
    try:
        factory = BACKENDS[name]
    except (KeyError, TypeError):
        known = ", ".join(BACKENDS)
        raise BackendError(f"unknown backend {name!r}; choose one of {known}") from None
    logger.debug("backend %s (scheduler %s)", name, scheduler)
    return factory(scheduler)
