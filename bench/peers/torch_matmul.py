#!/usr/bin/env python3
"""PyTorch peer of groklab's CUDA sgemm: torch.matmul of n×n float32 matrices (fp32, and TF32 with
allow_tf32), median of CUDA-event timings after a warm-up; one JSON line per size."""
import argparse, json, statistics

import torch


def set_tf32(on):
    """TF32 for float32 matmuls: the fp32_precision setting where this PyTorch has it (2.9+,
    which deprecates allow_tf32), else allow_tf32. Returns the setting's name."""
    matmul = torch.backends.cuda.matmul
    try:
        matmul.fp32_precision = "tf32" if on else "ieee"
        if matmul.fp32_precision == ("tf32" if on else "ieee"):
            return "fp32_precision"
    except (AttributeError, AssertionError, RuntimeError, ValueError):
        pass   # older PyTorch: its cuBLAS module raises AssertionError for unknown attributes
    matmul.allow_tf32 = on
    return "allow_tf32"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1024,2048,4096")
    ap.add_argument("--reps", type=int, default=20)
    args = ap.parse_args()
    for tf32 in (False, True):
        api = set_tf32(tf32)
        for n in (int(s) for s in args.sizes.split(",")):
            a = torch.rand(n, n, device="cuda") * 2 - 1
            b = torch.rand(n, n, device="cuda") * 2 - 1
            for _ in range(3):
                torch.matmul(a, b)
            times = []
            for _ in range(args.reps):
                s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                s.record()
                torch.matmul(a, b)
                e.record()
                e.synchronize()
                times.append(s.elapsed_time(e))
            ms = statistics.median(times)
            print(json.dumps({"peer": "pytorch", "bench": "matmul", "precision": "tf32" if tf32 else "fp32", "n": n,
                              "ms": ms, "gflops": 2.0 * n ** 3 / (ms * 1e-3) / 1e9, "tf32_setting": api,
                              "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
