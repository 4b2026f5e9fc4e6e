package dev.groklab.backend.cpu;

import dev.groklab.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.groklab.backend.cpu.SimdUtil.GRAIN;
import static dev.groklab.backend.cpu.SimdUtil.GRAIN_HEAVY;
import static dev.groklab.backend.cpu.SimdUtil.L;
import static dev.groklab.backend.cpu.SimdUtil.S;
import static dev.groklab.backend.cpu.SimdUtil.dense;
import static dev.groklab.backend.cpu.SimdUtil.exp;
import static dev.groklab.backend.cpu.SimdUtil.forRows;
import static dev.groklab.backend.cpu.SimdUtil.get;
import static dev.groklab.backend.cpu.SimdUtil.load;
import static dev.groklab.backend.cpu.SimdUtil.set;
import static dev.groklab.backend.cpu.SimdUtil.splat;
import static dev.groklab.backend.cpu.SimdUtil.store;

/**
 * float32 kernels over rows (last axis): softmax, cross-entropy, layer norm. Dense inputs only
 * (false = use the reference); rows run in parallel when there are enough of them.
 */
final class RowKernels {
    private RowKernels() {}

    // ---- row primitives -------------------------------------------------------------------------

    static float rowMax(MemorySegment s, long o, int n) {
        FloatVector m0 = splat(Float.NEGATIVE_INFINITY), m1 = m0;
        int i = 0;
        for (int ub = n - 2 * L; i <= ub; i += 2 * L) {
            m0 = m0.max(load(s, o + i));
            m1 = m1.max(load(s, o + i + L));
        }
        for (int ub = S.loopBound(n); i < ub; i += L) m0 = m0.max(load(s, o + i));
        float m = m0.max(m1).reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) m = Math.max(m, get(s, o + i));
        return m;
    }

    /**
     * log Σ_j e^(x_j − mx). Terms equal to the max are counted apart from the others, so that
     * log1p keeps full precision when one class dominates (losses near zero after grokking).
     */
    static double logSumExp(MemorySegment s, long o, int n, float mx) {
        FloatVector m = splat(mx), zero = FloatVector.zero(S), one = splat(1f);
        FloatVector rest = zero, ties = zero;
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector d = load(s, o + i).sub(m);
            VectorMask<Float> top = d.compare(VectorOperators.EQ, 0f);
            rest = rest.add(exp(d).blend(zero, top));
            ties = ties.add(zero.blend(one, top));
        }
        double r = rest.reduceLanes(VectorOperators.ADD), t = ties.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float d = get(s, o + i) - mx;
            if (d == 0) t++; else r += Math.exp(d);
        }
        return Math.log1p(t - 1 + r);
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
        FloatVector m = splat(mx), acc = FloatVector.zero(S);
        int i = 0, ub = S.loopBound(c);
        for (; i < ub; i += L) {
            FloatVector e = exp(load(xs, xo + i).sub(m));
            store(e, os, oo + i);
            acc = acc.add(e);
        }
        double sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < c; i++) {
            float e = (float) Math.exp(get(xs, xo + i) - mx);
            set(os, oo + i, e);
            sum += e;
        }
        float inv = (float) (1 / sum);
        i = 0;
        for (; i < ub; i += L) store(load(os, oo + i).mul(inv), os, oo + i);
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
                FloatVector m = splat(mx), lv = splat(ls);
                int i = 0;
                for (int ub = S.loopBound(c); i < ub; i += L) store(load(xs, xr + i).sub(m).sub(lv), os, or + i);
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
                    a0 = load(gs, gr + i).fma(load(ys, yr + i), a0);
                    a1 = load(gs, gr + i + L).fma(load(ys, yr + i + L), a1);
                }
                for (int ub = S.loopBound(c); i < ub; i += L) a0 = load(gs, gr + i).fma(load(ys, yr + i), a0);
                float dot = a0.add(a1).reduceLanes(VectorOperators.ADD);
                for (; i < c; i++) dot += get(gs, gr + i) * get(ys, yr + i);
                FloatVector d = splat(dot);
                i = 0;
                for (int ub = S.loopBound(c); i < ub; i += L) {
                    store(load(ys, yr + i).mul(load(gs, gr + i).sub(d)), xs, xr + i);
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
                float sum = (float) ElementwiseKernels.sumRange(gs, gr, c);
                FloatVector sv = splat(sum);
                int i = 0;
                for (int ub = S.loopBound(c); i < ub; i += L) {
                    store(exp(load(ys, yr + i)).neg().fma(sv, load(gs, gr + i)), xs, xr + i);
                }
                for (; i < c; i++) set(xs, xr + i, (float) (get(gs, gr + i) - Math.exp(get(ys, yr + i)) * sum));
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
                FloatVector lv = splat(l), gv = splat(g);
                int i = 0;
                for (int ub = S.loopBound(c); i < ub; i += L) store(exp(load(xs, xr + i).sub(lv)).mul(gv), os, or + i);
                for (; i < c; i++) set(os, or + i, (float) (g * Math.exp(get(xs, xr + i) - l)));
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
                FloatVector m = splat(mu), v0 = FloatVector.zero(S), v1 = v0;
                int i = 0;
                for (int ub = c - 2 * L; i <= ub; i += 2 * L) {
                    FloatVector d0 = load(xs, xr + i).sub(m), d1 = load(xs, xr + i + L).sub(m);
                    v0 = d0.fma(d0, v0);
                    v1 = d1.fma(d1, v1);
                }
                for (int ub = S.loopBound(c); i < ub; i += L) {
                    FloatVector d0 = load(xs, xr + i).sub(m);
                    v0 = d0.fma(d0, v0);
                }
                double var = v0.add(v1).reduceLanes(VectorOperators.ADD);
                for (; i < c; i++) {
                    float d = get(xs, xr + i) - mu;
                    var += d * d;
                }
                float rsd = (float) (1 / Math.sqrt(var / c + eps));
                set(ms, mo + r, mu);
                set(rs, ro + r, rsd);
                FloatVector rv = splat(rsd);
                i = 0;
                for (int ub = S.loopBound(c); i < ub; i += L) {
                    FloatVector xh = load(xs, xr + i).sub(m).mul(rv);
                    store(xh.fma(load(gs, go + pr + i), load(bs, bo + pr + i)), os, or + i);
                }
                for (; i < c; i++) {
                    set(os, or + i, (get(xs, xr + i) - mu) * rsd * get(gs, go + pr + i) + get(bs, bo + pr + i));
                }
            }
        });
        return true;
    }

    static boolean layerNormBackward(Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor gy,
                                     Tensor gx, Tensor gGamma, Tensor gBeta) {
        if (!dense(x, gamma, mean, rstd, gy, gx, gGamma, gBeta) || x.rank() == 0) return false;
        int c = x.dim(-1), n = x.numel();
        if (n == 0) return true;
        int rows = n / c, per = rows / (gamma.numel() / c);
        MemorySegment xs = x.segment(), gms = gamma.segment(), ms = mean.segment(), rs = rstd.segment();
        MemorySegment gys = gy.segment(), gxs = gx.segment(), ggs = gGamma.segment(), gbs = gBeta.segment();
        long xo = x.offset(), gmo = gamma.offset(), mo = mean.offset(), ro = rstd.offset();
        long gyo = gy.offset(), gxo = gx.offset(), ggo = gGamma.offset(), gbo = gBeta.offset();
        Object lock = new Object();
        float invC = 1f / c;
        forRows(rows, c, GRAIN / 2, (from, to) -> {
            float[] accG = new float[c], accB = new float[c];
            int group = from / per;
            for (int r = from; r < to; r++) {
                if (r / per != group) {
                    flush(lock, accG, accB, ggs, ggo + (long) group * c, gbs, gbo + (long) group * c, c);
                    group = r / per;
                }
                long xr = xo + (long) r * c, yr = gyo + (long) r * c, dr = gxo + (long) r * c, pr = gmo + (long) group * c;
                float mu = get(ms, mo + r), rsd = get(rs, ro + r);
                FloatVector m = splat(mu), rv = splat(rsd), sd = FloatVector.zero(S), sdx = sd;
                int i = 0, ub = S.loopBound(c);
                for (; i < ub; i += L) {
                    FloatVector xh = load(xs, xr + i).sub(m).mul(rv), g = load(gys, yr + i);
                    FloatVector d = g.mul(load(gms, pr + i));
                    sd = sd.add(d);
                    sdx = d.fma(xh, sdx);
                    g.fma(xh, FloatVector.fromArray(S, accG, i)).intoArray(accG, i);
                    g.add(FloatVector.fromArray(S, accB, i)).intoArray(accB, i);
                }
                float sumD = sd.reduceLanes(VectorOperators.ADD), sumDX = sdx.reduceLanes(VectorOperators.ADD);
                for (; i < c; i++) {
                    float xh = (get(xs, xr + i) - mu) * rsd, g = get(gys, yr + i), d = g * get(gms, pr + i);
                    sumD += d;
                    sumDX += d * xh;
                    accG[i] += g * xh;
                    accB[i] += g;
                }
                // gx = rs·(d − ΣD/C − x̂·ΣDX/C)
                float k1 = rsd * sumD * invC, k2 = rsd * sumDX * invC;
                FloatVector k1v = splat(k1), k2n = splat(-k2);
                i = 0;
                for (; i < ub; i += L) {
                    FloatVector xh = load(xs, xr + i).sub(m).mul(rv);
                    FloatVector d = load(gys, yr + i).mul(load(gms, pr + i));
                    store(xh.fma(k2n, d.mul(rv).sub(k1v)), gxs, dr + i);
                }
                for (; i < c; i++) {
                    float xh = (get(xs, xr + i) - mu) * rsd, d = get(gys, yr + i) * get(gms, pr + i);
                    set(gxs, dr + i, d * rsd - k1 - xh * k2);
                }
            }
            flush(lock, accG, accB, ggs, ggo + (long) group * c, gbs, gbo + (long) group * c, c);
        });
        return true;
    }

    /** Adds one chunk's partial gGamma/gBeta of a group and clears them; groups can span chunks. */
    private static void flush(Object lock, float[] accG, float[] accB, MemorySegment ggs, long ggo,
                              MemorySegment gbs, long gbo, int c) {
        synchronized (lock) {
            int i = 0;
            for (int ub = S.loopBound(c); i < ub; i += L) {
                store(load(ggs, ggo + i).add(FloatVector.fromArray(S, accG, i)), ggs, ggo + i);
                store(load(gbs, gbo + i).add(FloatVector.fromArray(S, accB, i)), gbs, gbo + i);
            }
            for (; i < c; i++) {
                set(ggs, ggo + i, get(ggs, ggo + i) + accG[i]);
                set(gbs, gbo + i, get(gbs, gbo + i) + accB[i]);
            }
        }
        java.util.Arrays.fill(accG, 0f);
        java.util.Arrays.fill(accB, 0f);
    }
}
