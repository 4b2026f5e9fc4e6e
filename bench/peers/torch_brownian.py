#!/usr/bin/env python3
"""PyTorch peer of groklab's CUDA walker kernel: vectorized Brownian motion (overdamped Langevin,
Euler–Maruyama) on the crossing potential U = a·min((x0−b)², (x1−b)²) on the torus [−L, L)²,
all walkers as one tensor per coordinate, torch.randn noise; optionally torch.compile'd step.
One JSON line: walker-steps per second (CUDA-event timing, median of repeats)."""
import argparse, json, math, statistics

import torch


def step(x0, x1, a, b, dt, sigma, half):
    d0, d1 = x0 - b, x1 - b
    use0 = d0 * d0 <= d1 * d1                      # ties go to the first valley, as the kernels
    g0 = torch.where(use0, 2 * a * d0, torch.zeros_like(d0))
    g1 = torch.where(use0, torch.zeros_like(d1), 2 * a * d1)
    x0 = x0 - dt * g0 + sigma * torch.randn_like(x0)
    x1 = x1 - dt * g1 + sigma * torch.randn_like(x1)
    x0 = torch.where(x0 >= half, x0 - 2 * half, torch.where(x0 < -half, x0 + 2 * half, x0))
    x1 = torch.where(x1 >= half, x1 - 2 * half, torch.where(x1 < -half, x1 + 2 * half, x1))
    return x0, x1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--walkers", type=int, default=100_000_000)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--compile", action="store_true")
    args = ap.parse_args()
    a, b, half, dt, temp = 4.0, 0.0, 2.0, 1e-3, 0.05
    sigma = math.sqrt(2 * temp * dt)
    x0 = (torch.rand(args.walkers, device="cuda") * 2 - 1) * half
    x1 = (torch.rand(args.walkers, device="cuda") * 2 - 1) * half
    f = torch.compile(step) if args.compile else step

    def run():
        nonlocal x0, x1
        for _ in range(args.steps):
            x0, x1 = f(x0, x1, a, b, dt, sigma, half)

    run()
    times = []
    for _ in range(args.reps):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record()
        run()
        e.record()
        e.synchronize()
        times.append(s.elapsed_time(e))
    ms = statistics.median(times)
    print(json.dumps({"peer": "pytorch", "bench": "walkers", "potential": "crossing", "compile": args.compile,
                      "walkers": args.walkers, "steps": args.steps, "ms": ms,
                      "walker_steps_per_s": args.walkers * args.steps / (ms * 1e-3), "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
