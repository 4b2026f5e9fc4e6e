#!/usr/bin/env python3
"""CPU PyTorch peer of groklab's walker kernels (`groklab bench --kernel walkers`, WalkerBenchmark):
vectorized Brownian walkers on U = a*min(x0^2, x1^2) on the torus [-L, L)^2, Euler-Maruyama
x <- x - grad U dt + sqrt(2 T dt) xi, float32, 10^6 walkers. Prints walker-steps/s (median over
repetitions), then one JSON line. Run: /usr/bin/python3 bench/peers/walkers_torch.py
"""
import argparse
import json
import statistics
import time

import torch


def step(x, a, dt, sigma, L, gen):
    x0, x1 = x[0], x[1]
    closer0 = x0 * x0 <= x1 * x1            # the valley x0 = 0 is the nearer one
    g0 = torch.where(closer0, 2 * a * x0, torch.zeros_like(x0))
    g1 = torch.where(closer0, torch.zeros_like(x1), 2 * a * x1)
    g = torch.stack((g0, g1))
    x = x - dt * g + sigma * torch.randn(x.shape, generator=gen, dtype=x.dtype)
    return torch.remainder(x + L, 2 * L) - L


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--walkers", type=int, default=1_000_000)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--reps", type=int, default=7)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--a", type=float, default=4.0)
    p.add_argument("--half-width", type=float, default=2.0)
    p.add_argument("--temperature", type=float, default=0.05)
    p.add_argument("--dt", type=float, default=1e-3)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    a, T, dt, L = args.a, args.temperature, args.dt, args.half_width
    sigma = (2 * T * dt) ** 0.5
    gen = torch.Generator().manual_seed(0)
    x = (torch.rand((2, args.walkers), generator=gen) * 2 - 1) * L
    with torch.no_grad():
        for _ in range(3):
            x = step(x, a, dt, sigma, L, gen)
        rates = []
        for _ in range(args.reps):
            t = time.perf_counter()
            for _ in range(args.steps):
                x = step(x, a, dt, sigma, L, gen)
            rates.append(args.walkers * args.steps / (time.perf_counter() - t))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.walkers} walkers x {args.steps} steps: "
          f"median {statistics.median(rates):.3e} walker-steps/s (min {min(rates):.3e}, max {max(rates):.3e})")
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "walkers": args.walkers,
                      "walker_steps_per_s": statistics.median(rates), "min": min(rates), "max": max(rates)}))


if __name__ == "__main__":
    main()
