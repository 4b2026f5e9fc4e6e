package dev.groklab.backend.cpu;

import dev.groklab.backend.AdamStep;
import dev.groklab.backend.SgdStep;
import dev.groklab.tensor.Tensor;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

import static dev.groklab.backend.cpu.SimdUtil.GRAIN;
import static dev.groklab.backend.cpu.SimdUtil.L;
import static dev.groklab.backend.cpu.SimdUtil.ORDER;
import static dev.groklab.backend.cpu.SimdUtil.S;
import static dev.groklab.backend.cpu.SimdUtil.get;
import static dev.groklab.backend.cpu.SimdUtil.set;

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
        int i = ts == null
                ? adamToZero(k, lr, lrwd, ps, po, gs, go, ms, mo, vs, vo, n)
                : adamToTarget(k, lr, lrwd, ps, po, gs, go, ms, mo, vs, vo, ts, to, n);
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

    private static int adamToZero(Consts k, float lr, float lrwd, MemorySegment ps, long po, MemorySegment gs, long go,
                                  MemorySegment ms, long mo, MemorySegment vs, long vo, int n) {
        FloatVector b1 = FloatVector.broadcast(S, k.b1());
        FloatVector omb1 = FloatVector.broadcast(S, k.omb1());
        FloatVector b2 = FloatVector.broadcast(S, k.b2());
        FloatVector omb2 = FloatVector.broadcast(S, k.omb2());
        FloatVector rb = FloatVector.broadcast(S, k.rsqrtBc2());
        FloatVector eps = FloatVector.broadcast(S, k.eps());
        FloatVector step = FloatVector.broadcast(S, -lr * k.invBc1());
        FloatVector keep = FloatVector.broadcast(S, 1 - lrwd);
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector gv = FloatVector.fromMemorySegment(S, gs, (go + i) << 2, ORDER);
            FloatVector mv = FloatVector.fromMemorySegment(S, ms, (mo + i) << 2, ORDER).fma(b1, gv.mul(omb1));
            FloatVector vv = FloatVector.fromMemorySegment(S, vs, (vo + i) << 2, ORDER).fma(b2, gv.mul(gv).mul(omb2));
            FloatVector pv = FloatVector.fromMemorySegment(S, ps, (po + i) << 2, ORDER).mul(keep);
            pv = mv.div(vv.sqrt().fma(rb, eps)).fma(step, pv);
            mv.intoMemorySegment(ms, (mo + i) << 2, ORDER);
            vv.intoMemorySegment(vs, (vo + i) << 2, ORDER);
            pv.intoMemorySegment(ps, (po + i) << 2, ORDER);
        }
        return i;
    }

    private static int adamToTarget(Consts k, float lr, float lrwd, MemorySegment ps, long po, MemorySegment gs, long go,
                                    MemorySegment ms, long mo, MemorySegment vs, long vo, MemorySegment ts, long to, int n) {
        FloatVector b1 = FloatVector.broadcast(S, k.b1());
        FloatVector omb1 = FloatVector.broadcast(S, k.omb1());
        FloatVector b2 = FloatVector.broadcast(S, k.b2());
        FloatVector omb2 = FloatVector.broadcast(S, k.omb2());
        FloatVector rb = FloatVector.broadcast(S, k.rsqrtBc2());
        FloatVector eps = FloatVector.broadcast(S, k.eps());
        FloatVector step = FloatVector.broadcast(S, -lr * k.invBc1());
        FloatVector decay = FloatVector.broadcast(S, -lrwd);
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector gv = FloatVector.fromMemorySegment(S, gs, (go + i) << 2, ORDER);
            FloatVector mv = FloatVector.fromMemorySegment(S, ms, (mo + i) << 2, ORDER).fma(b1, gv.mul(omb1));
            FloatVector vv = FloatVector.fromMemorySegment(S, vs, (vo + i) << 2, ORDER).fma(b2, gv.mul(gv).mul(omb2));
            FloatVector pv = FloatVector.fromMemorySegment(S, ps, (po + i) << 2, ORDER);
            pv = pv.sub(FloatVector.fromMemorySegment(S, ts, (to + i) << 2, ORDER)).fma(decay, pv);
            pv = mv.div(vv.sqrt().fma(rb, eps)).fma(step, pv);
            mv.intoMemorySegment(ms, (mo + i) << 2, ORDER);
            vv.intoMemorySegment(vs, (vo + i) << 2, ORDER);
            pv.intoMemorySegment(ps, (po + i) << 2, ORDER);
        }
        return i;
    }

    /**
     * One fused SGD step as the reference's: g' = g + wd·(p − c); with momentum μ the buffer
     * b ← g' on the first step, else b ← μ·b + (1 − dampening)·g', and g' ← b (or g' + μ·b with
     * Nesterov); p ← p − lr·g'. buf is untouched (and may be null) without momentum.
     */
    static boolean sgd(Tensor p, Tensor g, Tensor buf, Tensor decayTarget, SgdStep h) {
        boolean mom = h.momentum() != 0;
        if (!SimdUtil.dense(p, g, decayTarget) || mom && (buf == null || !buf.isContiguous())) return false;
        int n = p.numel();
        if (n == 0) return true;
        int per = n / h.models();
        int mode = !mom ? 0 : h.step() == 1 ? 1 : 2;
        MemorySegment ps = p.segment(), gs = g.segment(), bs = mom ? buf.segment() : null;
        MemorySegment ts = decayTarget == null ? null : decayTarget.segment();
        long po = p.offset(), go = g.offset(), bo = mom ? buf.offset() : 0, to = decayTarget == null ? 0 : decayTarget.offset();
        float mu = h.momentum(), omd = 1 - h.dampening();
        boolean nesterov = h.nesterov();
        Parallel.range(n, GRAIN, (from, end) -> {
            for (int i = from; i < end; ) {
                int model = i / per, stop = Math.min(end, (model + 1) * per);
                sgdRange(mode, nesterov, h.lr()[model], h.weightDecay()[model], mu, omd,
                        ps, po + i, gs, go + i, bs, bo + i, ts, to + i, stop - i);
                i = stop;
            }
        });
        return true;
    }

    private static void sgdRange(int mode, boolean nesterov, float lr, float wd, float mu, float omd,
                                 MemorySegment ps, long po, MemorySegment gs, long go, MemorySegment bs, long bo,
                                 MemorySegment ts, long to, int n) {
        FloatVector wdv = FloatVector.broadcast(S, wd), muv = FloatVector.broadcast(S, mu);
        FloatVector omdv = FloatVector.broadcast(S, omd), lrn = FloatVector.broadcast(S, -lr);
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector pv = FloatVector.fromMemorySegment(S, ps, (po + i) << 2, ORDER);
            FloatVector gv = FloatVector.fromMemorySegment(S, gs, (go + i) << 2, ORDER);
            FloatVector d = ts == null ? pv : pv.sub(FloatVector.fromMemorySegment(S, ts, (to + i) << 2, ORDER));
            gv = d.fma(wdv, gv);
            if (mode != 0) {
                FloatVector b = mode == 1 ? gv
                        : FloatVector.fromMemorySegment(S, bs, (bo + i) << 2, ORDER).fma(muv, gv.mul(omdv));
                b.intoMemorySegment(bs, (bo + i) << 2, ORDER);
                gv = nesterov ? b.fma(muv, gv) : b;
            }
            gv.fma(lrn, pv).intoMemorySegment(ps, (po + i) << 2, ORDER);
        }
        for (; i < n; i++) {
            float pi = get(ps, po + i);
            float gi = Math.fma(ts == null ? pi : pi - get(ts, to + i), wd, get(gs, go + i));
            if (mode != 0) {
                float b = mode == 1 ? gi : Math.fma(get(bs, bo + i), mu, gi * omd);
                set(bs, bo + i, b);
                gi = nesterov ? Math.fma(b, mu, gi) : b;
            }
            set(ps, po + i, Math.fma(gi, -lr, pi));
        }
    }
}
