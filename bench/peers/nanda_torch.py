#!/usr/bin/env python3
"""PyTorch peer of groklab's `nanda` preset: the same 1-layer transformer (d_model 128, 4 heads,
d_mlp 512, ReLU, no LayerNorm, no biases, learned positions, untied unembedding, readout at the
last of [x, y, =]), x+y mod 113 with 30% of the table, full-batch AdamW (lr 1e-3, wd 1,
betas 0.9/0.98). Prints one JSON line with the median full-batch steps/s.

    /usr/bin/python3 bench/peers/nanda_torch.py [--device cpu|cuda] [--steps 30] [--models 1] [--compile]
"""
import argparse, json, math, statistics, time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Nanda(nn.Module):
    def __init__(self, vocab, classes, seq=3, d=128, heads=4, d_mlp=512):
        super().__init__()
        s = 1 / math.sqrt(d)
        self.W_E = nn.Parameter(torch.randn(vocab, d) * s)
        self.W_pos = nn.Parameter(torch.randn(seq, d) * s)
        self.W_Q = nn.Parameter(torch.randn(d, d) * s)
        self.W_K = nn.Parameter(torch.randn(d, d) * s)
        self.W_V = nn.Parameter(torch.randn(d, d) * s)
        self.W_O = nn.Parameter(torch.randn(d, d) * s)
        self.W_in = nn.Parameter(torch.randn(d, d_mlp) * s)
        self.W_out = nn.Parameter(torch.randn(d_mlp, d) / math.sqrt(d_mlp))
        self.W_U = nn.Parameter(torch.randn(d, classes) / math.sqrt(classes))
        self.heads = heads

    def forward(self, tokens):
        b, t = tokens.shape
        x = self.W_E[tokens] + self.W_pos
        h, dh = self.heads, x.shape[-1] // self.heads
        q = (x @ self.W_Q).view(b, t, h, dh).transpose(1, 2)
        k = (x @ self.W_K).view(b, t, h, dh).transpose(1, 2)
        v = (x @ self.W_V).view(b, t, h, dh).transpose(1, 2)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(dh)
        mask = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)
        z = scores.masked_fill(mask, float("-inf")).softmax(-1) @ v
        x = x + z.transpose(1, 2).reshape(b, t, h * dh) @ self.W_O
        x = x + F.relu(x @ self.W_in) @ self.W_out
        return x[:, -1] @ self.W_U


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--compile", action="store_true")
    ap.add_argument("--p", type=int, default=113)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    p = args.p
    a, b = torch.meshgrid(torch.arange(p), torch.arange(p), indexing="ij")
    data = torch.stack([a.flatten(), b.flatten(), torch.full((p * p,), p)], dim=1)
    labels = (a.flatten() + b.flatten()) % p
    perm = torch.randperm(p * p)
    n_train = round(0.3 * p * p)
    x, y = data[perm[:n_train]].to(args.device), labels[perm[:n_train]].to(args.device)
    model = Nanda(p + 1, p).to(args.device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1.0, betas=(0.9, 0.98))
    step_model = torch.compile(model) if args.compile else model

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(step_model(x), y)
        loss.backward()
        opt.step()
        return loss

    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.steps):
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        step()
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    print(json.dumps({"peer": "pytorch", "torch": torch.__version__, "device": args.device, "compile": args.compile,
                      "threads": torch.get_num_threads(), "train_examples": n_train,
                      "median_step_s": med, "steps_per_s": 1 / med}))


if __name__ == "__main__":
    main()
