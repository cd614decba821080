"""GPU check (run on a lent GPU machine): backends agree with NumPy, then the throughput.

PYTHONPATH=src python3 benchmarks/gpu_check.py
"""

import subprocess
import time

import numpy as np

from jakpath.population import population

try:
    print(
        subprocess.run(
            ["nvidia-smi", "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"],
            capture_output=True,
            text=True,
        ).stdout
    )
except FileNotFoundError:
    print("no nvidia-smi: not a GPU machine")
kw = dict(
    n=20_000, pathways=["IL6", "IL15", "EPO", "IFNA"], chunk=5_000, seed=3, return_subjects=True
)
ref = population("tofacitinib", "5 mg bid", backend="numpy", **kw)
for backend in ("jax", "cupy"):
    try:
        __import__(backend)
    except ImportError:
        print(f"{backend}: not installed")
        continue
    t0 = time.perf_counter()
    out = population("tofacitinib", "5 mg bid", backend=backend, **kw)
    worst = max(
        float(np.max(np.abs(a - b)))
        for a, b in zip(out.attrs["subjects"], ref.attrs["subjects"], strict=True)
    )
    same = np.array_equal(
        out[["p5", "p50", "p95"]].to_numpy(), ref[["p5", "p50", "p95"]].to_numpy()
    )
    print(
        f"{backend}: max |diff| per subject vs numpy {worst:.2e}; percentiles identical: {same}; "
        f"{time.perf_counter() - t0:.2f} s"
    )
