package dev.groklab.backend.cpu;

import dev.groklab.backend.AdamStep;
import dev.groklab.tensor.Tensor;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

import static dev.groklab.backend.cpu.SimdUtil.GRAIN;
import static dev.groklab.backend.cpu.SimdUtil.L;
import static dev.groklab.backend.cpu.SimdUtil.S;
import static dev.groklab.backend.cpu.SimdUtil.get;
import static dev.groklab.backend.cpu.SimdUtil.load;
import static dev.groklab.backend.cpu.SimdUtil.set;
import static dev.groklab.backend.cpu.SimdUtil.splat;
import static dev.groklab.backend.cpu.SimdUtil.store;

/** Fused float32 optimizer steps (Vector API): one pass over memory. False = use the reference. */
final class OptimizerKernels {
    private OptimizerKernels() {}

    static boolean adamw(Tensor p, Tensor g, Tensor m, Tensor v, Tensor decayTarget, AdamStep h) {
        if (!SimdUtil.dense(p, g, m, v, decayTarget)) return false;
        int n = p.numel();
        if (n == 0) return true;
        int per = n / h.models();
        double b1 = h.beta1(), b2 = h.beta2();
        double bc1 = 1 - Math.pow(b1, h.step()), bc2 = 1 - Math.pow(b2, h.step());
        Consts k = new Consts((float) b1, (float) (1 - b1), (float) b2, (float) (1 - b2),
                (float) (1 / Math.sqrt(bc2)), h.eps(), (float) (1 / bc1));
        MemorySegment ps = p.segment(), gs = g.segment(), ms = m.segment(), vs = v.segment();
        MemorySegment ts = decayTarget == null ? null : decayTarget.segment();
        long po = p.offset(), go = g.offset(), mo = m.offset(), vo = v.offset();
        long to = decayTarget == null ? 0 : decayTarget.offset();
        Parallel.range(n, GRAIN, (from, end) -> {
            // Split the chunk at model boundaries: each model has its own lr and weight decay.
            for (int i = from; i < end; ) {
                int model = i / per, stop = Math.min(end, (model + 1) * per);
                double lr = h.lr()[model], wd = h.weightDecay()[model];
                adamRange(k, (float) lr, (float) (lr * wd), ps, po + i, gs, go + i, ms, mo + i, vs, vo + i,
                        ts, to + i, stop - i);
                i = stop;
            }
        });
        return true;
    }

    private record Consts(float b1, float omb1, float b2, float omb2, float rsqrtBc2, float eps, float invBc1) {}

    /**
     * p ← p − lr·wd·(p − c); m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
     * p ← p − lr·(m/bc1) / (√(v/bc2) + ε), with c = 0 when there is no decay target.
     */
    private static void adamRange(Consts k, float lr, float lrwd, MemorySegment ps, long po, MemorySegment gs, long go,
                                  MemorySegment ms, long mo, MemorySegment vs, long vo, MemorySegment ts, long to, int n) {
        FloatVector b1 = splat(k.b1()), omb1 = splat(k.omb1()), b2 = splat(k.b2()), omb2 = splat(k.omb2());
        FloatVector rb = splat(k.rsqrtBc2()), eps = splat(k.eps()), step = splat(-lr * k.invBc1()), keep = splat(1 - lrwd);
        FloatVector lrwdv = splat(lrwd);
        int i = 0, ub = S.loopBound(n);
        if (ts == null) {
            for (; i < ub; i += L) {
                FloatVector gv = load(gs, go + i);
                FloatVector mv = load(ms, mo + i).fma(b1, gv.mul(omb1));
                FloatVector vv = load(vs, vo + i).fma(b2, gv.mul(gv).mul(omb2));
                FloatVector pv = load(ps, po + i).mul(keep);
                pv = mv.div(vv.sqrt().fma(rb, eps)).fma(step, pv);
                store(mv, ms, mo + i);
                store(vv, vs, vo + i);
                store(pv, ps, po + i);
            }
        } else {
            for (; i < ub; i += L) {
                FloatVector gv = load(gs, go + i);
                FloatVector mv = load(ms, mo + i).fma(b1, gv.mul(omb1));
                FloatVector vv = load(vs, vo + i).fma(b2, gv.mul(gv).mul(omb2));
                FloatVector pv = load(ps, po + i);
                pv = pv.sub(pv.sub(load(ts, to + i)).mul(lrwdv));
                pv = mv.div(vv.sqrt().fma(rb, eps)).fma(step, pv);
                store(mv, ms, mo + i);
                store(vv, vs, vo + i);
                store(pv, ps, po + i);
            }
        }
        for (; i < n; i++) {
            float gi = get(gs, go + i), pi = get(ps, po + i);
            float c = ts == null ? 0f : get(ts, to + i);
            pi -= lrwd * (pi - c);
            float mi = Math.fma(k.b1(), get(ms, mo + i), k.omb1() * gi);
            float vi = Math.fma(k.b2(), get(vs, vo + i), k.omb2() * gi * gi);
            pi += -lr * k.invBc1() * mi / ((float) Math.sqrt(vi) * k.rsqrtBc2() + k.eps());
            set(ms, mo + i, mi);
            set(vs, vo + i, vi);
            set(ps, po + i, pi);
        }
    }
}
