#!/usr/bin/env bash
# One prepared device script: correctness of the GPU backends, then throughput at N = 1e6.
set -o pipefail
export PYTHONPATH=src PYTHONUNBUFFERED=1
python3 benchmarks/gpu_check.py 2>&1 | tee "$OUT/gpu_check.log"
python3 benchmarks/bench_population.py --gpu --n 1000000 2>&1 | tee "$OUT/gpu_bench.log"
