package dev.groklab.backend.cpu;

import dev.groklab.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.groklab.backend.cpu.SimdUtil.GRAIN;
import static dev.groklab.backend.cpu.SimdUtil.GRAIN_HEAVY;
import static dev.groklab.backend.cpu.SimdUtil.L;
import static dev.groklab.backend.cpu.SimdUtil.ORDER;
import static dev.groklab.backend.cpu.SimdUtil.S;
import static dev.groklab.backend.cpu.SimdUtil.dense;
import static dev.groklab.backend.cpu.SimdUtil.forRows;
import static dev.groklab.backend.cpu.SimdUtil.get;
import static dev.groklab.backend.cpu.SimdUtil.set;
import static dev.groklab.backend.cpu.SimdUtil.sum;

/**
 * float32 kernels over rows (last axis): softmax, cross-entropy, layer norm. Dense inputs only
 * (false = use the reference); rows run in parallel when there are enough of them.
 */
final class RowKernels {
    private RowKernels() {}

    // ---- row primitives -------------------------------------------------------------------------

    static float rowMax(MemorySegment s, long o, int n) {
        FloatVector m0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY), m1 = m0;
        int i = 0;
        for (int ub = n - 2 * L; i <= ub; i += 2 * L) {
            m0 = m0.max(FloatVector.fromMemorySegment(S, s, (o + i) << 2, ORDER));
            m1 = m1.max(FloatVector.fromMemorySegment(S, s, (o + i + L) << 2, ORDER));
        }
        for (int ub = S.loopBound(n); i < ub; i += L) m0 = m0.max(FloatVector.fromMemorySegment(S, s, (o + i) << 2, ORDER));
        float m = m0.max(m1).reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) m = Math.max(m, get(s, o + i));
        return m;
    }

    /**
     * log Σ_j e^(x_j − mx). Terms equal to the max are counted apart from the others, so that
     * log1p keeps full precision when one class dominates (losses near zero after grokking).
     */
    static double logSumExp(MemorySegment s, long o, int n, float mx) {
        float[] acc = new float[2];
        int i = sumExpSplit(s, o, n, mx, acc);
        double r = acc[0], t = acc[1];
        for (; i < n; i++) {
            float d = get(s, o + i) - mx;
            if (d == 0) t++; else r += SimdMath.exp(d);
        }
        return Math.log1p(t - 1 + r);
    }

    // Each exp loop sits alone in a small method, so that SimdUtil.exp is inlined before the
    // method grows (see SimdUtil on refused inlining).

    /** Vector part of {@link #logSumExp}: acc[0] = Σ e^d over d < 0, acc[1] = count of d == 0. */
    private static int sumExpSplit(MemorySegment s, long o, int n, float mx, float[] acc) {
        FloatVector m = FloatVector.broadcast(S, mx), zero = FloatVector.zero(S), one = FloatVector.broadcast(S, 1f);
        FloatVector rest = zero, ties = zero;
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector d = FloatVector.fromMemorySegment(S, s, (o + i) << 2, ORDER).sub(m);
            VectorMask<Float> top = d.compare(VectorOperators.EQ, 0f);
            rest = rest.add(SimdUtil.exp(d).blend(zero, top));
            ties = ties.add(zero.blend(one, top));
        }
        acc[0] = sum(rest);
        acc[1] = sum(ties);
        return i;
    }

    /** out = e^(x − shift) · scale over a row; returns the index where the scalar tail starts. */
    private static int expShifted(MemorySegment xs, long xo, MemorySegment os, long oo, int n, float shift, float scale) {
        FloatVector m = FloatVector.broadcast(S, shift), g = FloatVector.broadcast(S, scale);
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector x = FloatVector.fromMemorySegment(S, xs, (xo + i) << 2, ORDER);
            SimdUtil.exp(x.sub(m)).mul(g).intoMemorySegment(os, (oo + i) << 2, ORDER);
        }
        return i;
    }

    /** out = e^(x − shift) over a row, returning the lane sums' total of the vector part in acc[0]. */
    private static int expShiftedSum(MemorySegment xs, long xo, MemorySegment os, long oo, int n, float shift, float[] acc) {
        FloatVector m = FloatVector.broadcast(S, shift), total = FloatVector.zero(S);
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector e = SimdUtil.exp(FloatVector.fromMemorySegment(S, xs, (xo + i) << 2, ORDER).sub(m));
            e.intoMemorySegment(os, (oo + i) << 2, ORDER);
            total = total.add(e);
        }
        acc[0] = sum(total);
        return i;
    }

    /** gx = gy − e^y · s (logSoftmax backward). */
    private static int logSoftmaxGrad(MemorySegment ys, long yo, MemorySegment gs, long go, MemorySegment xs, long xo,
                                      int n, float s) {
        FloatVector sv = FloatVector.broadcast(S, s);
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector e = SimdUtil.exp(FloatVector.fromMemorySegment(S, ys, (yo + i) << 2, ORDER));
            e.neg().fma(sv, FloatVector.fromMemorySegment(S, gs, (go + i) << 2, ORDER))
                    .intoMemorySegment(xs, (xo + i) << 2, ORDER);
        }
        return i;
    }

    private static int cols(Tensor x) { return x.rank() == 0 ? 1 : x.dim(-1); }

    // ---- softmax --------------------------------------------------------------------------------

    static boolean softmax(Tensor x, Tensor out) {
        if (!dense(x, out)) return false;
        int c = cols(x), n = x.numel();
        if (n == 0) return true;
        MemorySegment xs = x.segment(), os = out.segment();
        long xo = x.offset(), oo = out.offset();
        forRows(n / c, c, GRAIN_HEAVY, (from, to) -> {
            for (int r = from; r < to; r++) softmaxRow(xs, xo + (long) r * c, os, oo + (long) r * c, c);
        });
        return true;
    }

    private static void softmaxRow(MemorySegment xs, long xo, MemorySegment os, long oo, int c) {
        float mx = rowMax(xs, xo, c);
        float[] acc = new float[1];
        int i = expShiftedSum(xs, xo, os, oo, c, mx, acc), ub = S.loopBound(c);
        float total = acc[0];
        for (; i < c; i++) {
            float e = SimdMath.exp(get(xs, xo + i) - mx);
            set(os, oo + i, e);
            total += e;
        }
        float inv = 1f / total;
        i = 0;
        for (; i < ub; i += L) {
            FloatVector.fromMemorySegment(S, os, (oo + i) << 2, ORDER).mul(inv).intoMemorySegment(os, (oo + i) << 2, ORDER);
        }
        for (; i < c; i++) set(os, oo + i, get(os, oo + i) * inv);
    }

    static boolean logSoftmax(Tensor x, Tensor out) {
        if (!dense(x, out)) return false;
        int c = cols(x), n = x.numel();
        if (n == 0) return true;
        MemorySegment xs = x.segment(), os = out.segment();
        long xo = x.offset(), oo = out.offset();
        forRows(n / c, c, GRAIN_HEAVY, (from, to) -> {
            for (int r = from; r < to; r++) {
                long xr = xo + (long) r * c, or = oo + (long) r * c;
                float mx = rowMax(xs, xr, c);
                float ls = (float) logSumExp(xs, xr, c, mx);
                // (x − mx) − log s rather than x − lse: exact near zero for the top class.
                FloatVector m = FloatVector.broadcast(S, mx), lv = FloatVector.broadcast(S, ls);
                int i = 0;
                for (int ub = S.loopBound(c); i < ub; i += L) {
                    FloatVector.fromMemorySegment(S, xs, (xr + i) << 2, ORDER).sub(m).sub(lv)
                            .intoMemorySegment(os, (or + i) << 2, ORDER);
                }
                for (; i < c; i++) set(os, or + i, (get(xs, xr + i) - mx) - ls);
            }
        });
        return true;
    }

    static boolean softmaxBackward(Tensor y, Tensor gy, Tensor gx) {
        if (!dense(y, gy, gx)) return false;
        int c = cols(y), n = y.numel();
        if (n == 0) return true;
        MemorySegment ys = y.segment(), gs = gy.segment(), xs = gx.segment();
        long yo = y.offset(), go = gy.offset(), xo = gx.offset();
        forRows(n / c, c, GRAIN, (from, to) -> {
            for (int r = from; r < to; r++) {
                long yr = yo + (long) r * c, gr = go + (long) r * c, xr = xo + (long) r * c;
                FloatVector a0 = FloatVector.zero(S), a1 = a0;
                int i = 0;
                for (int ub = c - 2 * L; i <= ub; i += 2 * L) {
                    FloatVector g0 = FloatVector.fromMemorySegment(S, gs, (gr + i) << 2, ORDER);
                    FloatVector g1 = FloatVector.fromMemorySegment(S, gs, (gr + i + L) << 2, ORDER);
                    a0 = g0.fma(FloatVector.fromMemorySegment(S, ys, (yr + i) << 2, ORDER), a0);
                    a1 = g1.fma(FloatVector.fromMemorySegment(S, ys, (yr + i + L) << 2, ORDER), a1);
                }
                for (int ub = S.loopBound(c); i < ub; i += L) {
                    FloatVector g0 = FloatVector.fromMemorySegment(S, gs, (gr + i) << 2, ORDER);
                    a0 = g0.fma(FloatVector.fromMemorySegment(S, ys, (yr + i) << 2, ORDER), a0);
                }
                float dot = sum(a0.add(a1));
                for (; i < c; i++) dot += get(gs, gr + i) * get(ys, yr + i);
                FloatVector d = FloatVector.broadcast(S, dot);
                i = 0;
                for (int ub = S.loopBound(c); i < ub; i += L) {
                    FloatVector yv = FloatVector.fromMemorySegment(S, ys, (yr + i) << 2, ORDER);
                    FloatVector gv = FloatVector.fromMemorySegment(S, gs, (gr + i) << 2, ORDER);
                    yv.mul(gv.sub(d)).intoMemorySegment(xs, (xr + i) << 2, ORDER);
                }
                for (; i < c; i++) set(xs, xr + i, get(ys, yr + i) * (get(gs, gr + i) - dot));
            }
        });
        return true;
    }

    static boolean logSoftmaxBackward(Tensor y, Tensor gy, Tensor gx) {
        if (!dense(y, gy, gx)) return false;
        int c = cols(y), n = y.numel();
        if (n == 0) return true;
        MemorySegment ys = y.segment(), gs = gy.segment(), xs = gx.segment();
        long yo = y.offset(), go = gy.offset(), xo = gx.offset();
        forRows(n / c, c, GRAIN_HEAVY, (from, to) -> {
            for (int r = from; r < to; r++) {
                long yr = yo + (long) r * c, gr = go + (long) r * c, xr = xo + (long) r * c;
                float total = (float) ElementwiseKernels.sumRange(gs, gr, c);
                int i = logSoftmaxGrad(ys, yr, gs, gr, xs, xr, c, total);
                for (; i < c; i++) set(xs, xr + i, Math.fma(-SimdMath.exp(get(ys, yr + i)), total, get(gs, gr + i)));
            }
        });
        return true;
    }

    // ---- cross-entropy --------------------------------------------------------------------------

    /** Targets as ints, validated as the reference does (row r uses targets[r % T]). */
    private static int[] targets(Tensor targets, int classes) {
        int t = targets.dim(0);
        int[] out = new int[t];
        MemorySegment s = targets.segment();
        long o = targets.offset(), st = targets.stride(0);
        for (int i = 0; i < t; i++) {
            int v = s.getAtIndex(SimdUtil.I32, o + i * st);
            if (v < 0 || v >= classes) {
                throw new IllegalArgumentException("crossEntropy: target " + v + " outside [0, " + classes + ")");
            }
            out[i] = v;
        }
        return out;
    }

    static boolean crossEntropy(Tensor logits, Tensor targets, Tensor loss, Tensor lse) {
        if (!dense(logits, loss, lse)) return false;
        int rows = logits.dim(0), c = logits.dim(1);
        if (rows == 0) return true;
        int[] tg = targets(targets, c);
        MemorySegment xs = logits.segment(), ls = loss.segment(), es = lse.segment();
        long xo = logits.offset(), lo = loss.offset(), eo = lse.offset();
        forRows(rows, c, GRAIN_HEAVY, (from, to) -> {
            for (int r = from; r < to; r++) {
                long xr = xo + (long) r * c;
                float mx = rowMax(xs, xr, c);
                double logS = logSumExp(xs, xr, c, mx);
                float xt = get(xs, xr + tg[r % tg.length]);
                set(ls, lo + r, (float) (((double) mx - xt) + logS));
                set(es, eo + r, (float) (mx + logS));
            }
        });
        return true;
    }

    static boolean crossEntropyBackward(Tensor logits, Tensor targets, Tensor lse, Tensor gLoss, Tensor gLogits) {
        if (!dense(logits, lse, gLoss, gLogits)) return false;
        int rows = logits.dim(0), c = logits.dim(1);
        if (rows == 0) return true;
        int[] tg = targets(targets, c);
        MemorySegment xs = logits.segment(), es = lse.segment(), gs = gLoss.segment(), os = gLogits.segment();
        long xo = logits.offset(), eo = lse.offset(), go = gLoss.offset(), oo = gLogits.offset();
        forRows(rows, c, GRAIN_HEAVY, (from, to) -> {
            for (int r = from; r < to; r++) {
                long xr = xo + (long) r * c, or = oo + (long) r * c;
                float g = get(gs, go + r), l = get(es, eo + r);
                int i = expShifted(xs, xr, os, or, c, l, g);
                for (; i < c; i++) set(os, or + i, SimdMath.exp(get(xs, xr + i) - l) * g);
                // p − 1 at the target: expm1 keeps it exact when p → 1.
                int t = tg[r % tg.length];
                set(os, or + t, (float) (g * Math.expm1((double) get(xs, xr + t) - l)));
            }
        });
        return true;
    }

    // ---- layer norm -----------------------------------------------------------------------------

    static boolean layerNorm(Tensor x, Tensor gamma, Tensor beta, double eps, Tensor out, Tensor mean, Tensor rstd) {
        if (!dense(x, gamma, beta, out, mean, rstd) || x.rank() == 0) return false;
        int c = x.dim(-1), n = x.numel();
        if (n == 0) return true;
        int rows = n / c, per = rows / (gamma.numel() / c);
        MemorySegment xs = x.segment(), gs = gamma.segment(), bs = beta.segment(), os = out.segment();
        MemorySegment ms = mean.segment(), rs = rstd.segment();
        long xo = x.offset(), go = gamma.offset(), bo = beta.offset(), oo = out.offset(), mo = mean.offset(), ro = rstd.offset();
        forRows(rows, c, GRAIN / 2, (from, to) -> {
            for (int r = from; r < to; r++) {
                long xr = xo + (long) r * c, or = oo + (long) r * c, pr = (long) (r / per) * c;
                float mu = (float) (ElementwiseKernels.sumRange(xs, xr, c) / c);
                FloatVector m = FloatVector.broadcast(S, mu), v0 = FloatVector.zero(S), v1 = v0;
                int i = 0;
                for (int ub = c - 2 * L; i <= ub; i += 2 * L) {
                    FloatVector d0 = FloatVector.fromMemorySegment(S, xs, (xr + i) << 2, ORDER).sub(m);
                    FloatVector d1 = FloatVector.fromMemorySegment(S, xs, (xr + i + L) << 2, ORDER).sub(m);
                    v0 = d0.fma(d0, v0);
                    v1 = d1.fma(d1, v1);
                }
                for (int ub = S.loopBound(c); i < ub; i += L) {
                    FloatVector d0 = FloatVector.fromMemorySegment(S, xs, (xr + i) << 2, ORDER).sub(m);
                    v0 = d0.fma(d0, v0);
                }
                double var = sum(v0.add(v1));
                for (; i < c; i++) {
                    float d = get(xs, xr + i) - mu;
                    var += d * d;
                }
                float rsd = (float) (1 / Math.sqrt(var / c + eps));
                set(ms, mo + r, mu);
                set(rs, ro + r, rsd);
                FloatVector rv = FloatVector.broadcast(S, rsd);
                i = 0;
                for (int ub = S.loopBound(c); i < ub; i += L) {
                    FloatVector xh = FloatVector.fromMemorySegment(S, xs, (xr + i) << 2, ORDER).sub(m).mul(rv);
                    FloatVector gv = FloatVector.fromMemorySegment(S, gs, (go + pr + i) << 2, ORDER);
                    FloatVector bv = FloatVector.fromMemorySegment(S, bs, (bo + pr + i) << 2, ORDER);
                    xh.fma(gv, bv).intoMemorySegment(os, (or + i) << 2, ORDER);
                }
                for (; i < c; i++) {
                    set(os, or + i, Math.fma((get(xs, xr + i) - mu) * rsd, get(gs, go + pr + i), get(bs, bo + pr + i)));
                }
            }
        });
        return true;
    }

    /** Rows per block of the gGamma / gBeta partial sums: depends on the shape only, never on threads. */
    private static int lnBlockRows(int per, int c) { return Math.max(1, Math.min(per, Math.max(16, 8192 / c))); }

    /**
     * gx per row; gGamma and gBeta summed over fixed blocks of rows within each group (in parallel,
     * rows in order), then added to the accumulators in block order: bit-identical for any thread count.
     */
    static boolean layerNormBackward(Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor gy,
                                     Tensor gx, Tensor gGamma, Tensor gBeta) {
        if (!dense(x, gamma, mean, rstd, gy, gx, gGamma, gBeta) || x.rank() == 0) return false;
        int c = x.dim(-1), n = x.numel();
        if (n == 0) return true;
        int rows = n / c, groups = gamma.numel() / c, per = rows / groups;
        int blockRows = lnBlockRows(per, c), blocksPerGroup = (per + blockRows - 1) / blockRows;
        int blocks = groups * blocksPerGroup;
        MemorySegment xs = x.segment(), gms = gamma.segment(), ms = mean.segment(), rs = rstd.segment();
        MemorySegment gys = gy.segment(), gxs = gx.segment(), ggs = gGamma.segment(), gbs = gBeta.segment();
        long xo = x.offset(), gmo = gamma.offset(), mo = mean.offset(), ro = rstd.offset();
        long gyo = gy.offset(), gxo = gx.offset(), ggo = gGamma.offset(), gbo = gBeta.offset();
        float[][] partG = new float[blocks][], partB = new float[blocks][];
        float invC = 1f / c;
        Parallel.range(blocks, Math.max(1, GRAIN / 2 / (blockRows * c)), (from, to) -> {
            for (int b = from; b < to; b++) {
                int g = b / blocksPerGroup, r0 = g * per + (b % blocksPerGroup) * blockRows;
                int r1 = Math.min(g * per + per, r0 + blockRows);
                float[] accG = new float[c], accB = new float[c];
                for (int r = r0; r < r1; r++) {
                    lnBackwardRow(xs, xo + (long) r * c, gys, gyo + (long) r * c, gxs, gxo + (long) r * c,
                            gms, gmo + (long) g * c, get(ms, mo + r), get(rs, ro + r), invC, accG, accB, c);
                }
                partG[b] = accG;
                partB[b] = accB;
            }
        });
        for (int b = 0; b < blocks; b++) {
            long o = (long) (b / blocksPerGroup) * c;
            addInto(ggs, ggo + o, partG[b], c);
            addInto(gbs, gbo + o, partB[b], c);
        }
        return true;
    }

    private static void lnBackwardRow(MemorySegment xs, long xr, MemorySegment gys, long yr, MemorySegment gxs, long dr,
                                      MemorySegment gms, long pr, float mu, float rsd, float invC,
                                      float[] accG, float[] accB, int c) {
        FloatVector m = FloatVector.broadcast(S, mu), rv = FloatVector.broadcast(S, rsd), sd = FloatVector.zero(S), sdx = sd;
        int i = 0, ub = S.loopBound(c);
        for (; i < ub; i += L) {
            FloatVector xh = FloatVector.fromMemorySegment(S, xs, (xr + i) << 2, ORDER).sub(m).mul(rv);
            FloatVector g = FloatVector.fromMemorySegment(S, gys, (yr + i) << 2, ORDER);
            FloatVector d = g.mul(FloatVector.fromMemorySegment(S, gms, (pr + i) << 2, ORDER));
            sd = sd.add(d);
            sdx = d.fma(xh, sdx);
            g.fma(xh, FloatVector.fromArray(S, accG, i)).intoArray(accG, i);
            g.add(FloatVector.fromArray(S, accB, i)).intoArray(accB, i);
        }
        float sumD = sum(sd), sumDX = sum(sdx);
        for (; i < c; i++) {
            float xh = (get(xs, xr + i) - mu) * rsd, g = get(gys, yr + i), d = g * get(gms, pr + i);
            sumD += d;
            sumDX = Math.fma(d, xh, sumDX);
            accG[i] = Math.fma(g, xh, accG[i]);
            accB[i] += g;
        }
        // gx = rs·(d − ΣD/C − x̂·ΣDX/C)
        float k1 = rsd * sumD * invC, k2 = rsd * sumDX * invC;
        FloatVector k1v = FloatVector.broadcast(S, k1), k2n = FloatVector.broadcast(S, -k2);
        i = 0;
        for (; i < ub; i += L) {
            FloatVector xh = FloatVector.fromMemorySegment(S, xs, (xr + i) << 2, ORDER).sub(m).mul(rv);
            FloatVector gv = FloatVector.fromMemorySegment(S, gys, (yr + i) << 2, ORDER);
            FloatVector d = gv.mul(FloatVector.fromMemorySegment(S, gms, (pr + i) << 2, ORDER));
            xh.fma(k2n, d.mul(rv).sub(k1v)).intoMemorySegment(gxs, (dr + i) << 2, ORDER);
        }
        for (; i < c; i++) {
            float xh = (get(xs, xr + i) - mu) * rsd, d = get(gys, yr + i) * get(gms, pr + i);
            set(gxs, dr + i, Math.fma(xh, -k2, d * rsd - k1));
        }
    }

    private static void addInto(MemorySegment s, long o, float[] a, int c) {
        int i = 0;
        for (int ub = S.loopBound(c); i < ub; i += L) {
            FloatVector.fromMemorySegment(S, s, (o + i) << 2, ORDER).add(FloatVector.fromArray(S, a, i))
                    .intoMemorySegment(s, (o + i) << 2, ORDER);
        }
        for (; i < c; i++) set(s, o + i, get(s, o + i) + a[i]);
    }
}
