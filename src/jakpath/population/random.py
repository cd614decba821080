"""Counter-based random numbers that are identical on NumPy, CuPy and JAX.

Subject ``i``'s ``k``-th random number depends only on ``(seed, i, k)``: a SplitMix64 hash
of the counter gives uniform bits, Box-Muller turns two uniforms into a normal. So a seed
gives the same virtual subjects on every backend and whatever the chunking, and the numbers
can be drawn where the kernel runs (on the GPU) instead of being copied from the host.
"""

from __future__ import annotations

import math
from typing import Any

_GOLDEN = 0x9E3779B97F4A7C15
_MIX1 = 0xBF58476D1CE4E5B9
_MIX2 = 0x94D049BB133111EB
_STREAMS = 1 << 16  # counters per subject (random numbers a subject may use)


def _u64(xp, value):
    return xp.asarray(value, dtype=xp.uint64)


def _splitmix64(x, xp):
    z = x + _u64(xp, _GOLDEN)
    z = (z ^ (z >> _u64(xp, 30))) * _u64(xp, _MIX1)
    z = (z ^ (z >> _u64(xp, 27))) * _u64(xp, _MIX2)
    return z ^ (z >> _u64(xp, 31))


def uniforms(seed: int | Any, index: Any, stream: int, xp: Any) -> Any:
    """Uniform (0, 1) doubles for subjects ``index`` (uint64 array) and one stream.

    ``seed`` is a Python int or a uint64 scalar array (so it can be a traced JAX value).

    >>> import numpy as np
    >>> u = uniforms(7, np.arange(3, dtype=np.uint64), 0, np)
    >>> bool(np.all((u > 0) & (u < 1))), u.dtype.name
    (True, 'float64')
    >>> bool(np.array_equal(u[1:], uniforms(7, np.arange(1, 3, dtype=np.uint64), 0, np)))
    True
    """
    key = _splitmix64(_u64(xp, seed % (1 << 64)) if isinstance(seed, int) else seed, xp)
    counter = index * _u64(xp, _STREAMS) + _u64(xp, stream)
    bits = _splitmix64(counter ^ key, xp)
    # 53 random bits, shifted half a step off 0 so log() is finite
    return ((bits >> _u64(xp, 11)).astype(xp.float64) + 0.5) * (1.0 / (1 << 53))


def normals(seed: int | Any, index: Any, stream: int, xp: Any) -> Any:
    """Standard normal doubles (Box-Muller over streams ``2 stream`` and ``2 stream + 1``)."""
    u1 = uniforms(seed, index, 2 * stream, xp)
    u2 = uniforms(seed, index, 2 * stream + 1, xp)
    return xp.sqrt(-2.0 * xp.log(u1)) * xp.cos((2.0 * math.pi) * u2)
