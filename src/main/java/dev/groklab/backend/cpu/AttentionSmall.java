package dev.groklab.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static dev.groklab.backend.cpu.AttentionKernels.Io.*;

/**
 * Attention for short sequences (the grokking transformers: T of 3 or 4, D of 32, B near a
 * million). Each row's T scores are lane-reduced dot products over D and every weighted sum is a
 * vector pass over D, read straight from the segments: no copies, no per-row allocation, and the
 * few scratch floats live in one array per parallel chunk.
 */
final class AttentionSmall {
    private AttentionSmall() {}

    private static final VectorSpecies<Float> SP = FloatVector.SPECIES_PREFERRED;
    private static final int L = SP.length();
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /** Sequences per parallel chunk: enough work (~64K multiply-adds) to repay a fork. */
    private static int grain(int t, int d) {
        return Math.max(1, (1 << 16) / Math.max(1, t * t * d));
    }

    private static FloatVector ld(MemorySegment s, long at) {
        return FloatVector.fromMemorySegment(SP, s, at, NO);
    }

    private static FloatVector bc(float x) { return FloatVector.broadcast(SP, x); }

    static void forward(AttentionKernels.Io io, int bsz, int t, int d, boolean causal) {
        final MemorySegment qs = io.seg[Q], ks = io.seg[K], vs = io.seg[V], os = io.seg[OUT], ls = io.seg[LSE];
        final long qo = io.off[Q], ko = io.off[K], vo = io.off[V], oo = io.off[OUT], lo = io.off[LSE];
        final float scale = (float) (1 / Math.sqrt(d));
        final long seq = (long) d * t * Float.BYTES;
        Parallel.range(bsz, grain(t, d), (from, to) -> {
            float[] p = new float[t];
            for (int b = from; b < to; b++) {
                long base = b * seq;
                forwardSeq(qs, qo + base, ks, ko + base, vs, vo + base, os, oo + base, ls, lo + 4L * b * t, t, d, causal, scale, p);
            }
        });
    }

    /**
     * One sequence. Vector code lives in methods called per sequence rather than in the loop over
     * sequences: compiled on entry, not on-stack-replaced mid-loop, where vector values reaching
     * the entry from the interpreter stay boxed.
     */
    private static void forwardSeq(MemorySegment qs, long qb, MemorySegment ks, long kb, MemorySegment vs, long vb,
                                   MemorySegment os, long ob, MemorySegment ls, long lb,
                                   int t, int d, boolean causal, float scale, float[] p) {
        final int vd = SP.loopBound(d);
        final long row = (long) d * Float.BYTES;
        for (int i = 0; i < t; i++) {
            int last = causal ? i : t - 1;
            long qi = qb + i * row;
            float mx = Float.NEGATIVE_INFINITY;
            for (int j = 0; j <= last; j++) {
                long kj = kb + j * row;
                FloatVector acc = FloatVector.zero(SP);
                for (int e = 0; e < vd; e += L) acc = ld(qs, qi + 4L * e).fma(ld(ks, kj + 4L * e), acc);
                float s = acc.reduceLanes(VectorOperators.ADD);
                for (int e = vd; e < d; e++) s += qs.get(F, qi + 4L * e) * ks.get(F, kj + 4L * e);
                s *= scale;
                p[j] = s;
                mx = Math.max(mx, s);
            }
            float z = 0;
            for (int j = 0; j <= last; j++) {
                float w = (float) Math.exp(p[j] - mx);
                p[j] = w;
                z += w;
            }
            ls.set(F, lb + 4L * i, mx + (float) Math.log(z));
            float inv = 1 / z;
            for (int j = 0; j <= last; j++) p[j] *= inv;
            long oi = ob + i * row;
            for (int e = 0; e < vd; e += L) {
                FloatVector acc = FloatVector.zero(SP);
                for (int j = 0; j <= last; j++) acc = ld(vs, vb + j * row + 4L * e).fma(bc(p[j]), acc);
                acc.intoMemorySegment(os, oi + 4L * e, NO);
            }
            for (int e = vd; e < d; e++) {
                float acc = 0;
                for (int j = 0; j <= last; j++) acc += p[j] * vs.get(F, vb + j * row + 4L * e);
                os.set(F, oi + 4L * e, acc);
            }
        }
    }

    static void backward(AttentionKernels.Io io, int bsz, int t, int d, boolean causal) {
        final MemorySegment qs = io.seg[Q], ks = io.seg[K], vs = io.seg[V], os = io.seg[OUT], ls = io.seg[LSE],
                gs = io.seg[GOUT], gqs = io.seg[GQ], gks = io.seg[GK], gvs = io.seg[GV];
        final long qo = io.off[Q], ko = io.off[K], vo = io.off[V], oo = io.off[OUT], lo = io.off[LSE],
                go = io.off[GOUT], gqo = io.off[GQ], gko = io.off[GK], gvo = io.off[GV];
        final float scale = (float) (1 / Math.sqrt(d));
        final long seq = (long) d * t * Float.BYTES;
        // Three times the forward's work per sequence.
        Parallel.range(bsz, Math.max(1, grain(t, d) / 3), (from, to) -> {
            // p[i*t + j] and ds[i*t + j]; entries past a causal row's last key are never read.
            float[] p = new float[t * t], ds = new float[t * t];
            for (int b = from; b < to; b++) {
                long base = b * seq;
                backwardSeq(qs, qo + base, ks, ko + base, vs, vo + base, os, oo + base, ls, lo + 4L * b * t,
                        gs, go + base, gqs, gqo + base, gks, gko + base, gvs, gvo + base, t, d, causal, scale, p, ds);
            }
        });
    }

    private static void backwardSeq(MemorySegment qs, long qb, MemorySegment ks, long kb, MemorySegment vs, long vb,
                                    MemorySegment os, long ob, MemorySegment ls, long lb, MemorySegment gs, long gb,
                                    MemorySegment gqs, long gqb, MemorySegment gks, long gkb, MemorySegment gvs, long gvb,
                                    int t, int d, boolean causal, float scale, float[] p, float[] ds) {
        final int vd = SP.loopBound(d);
        final long row = (long) d * Float.BYTES;
        for (int i = 0; i < t; i++) {
            int last = causal ? i : t - 1;
            long qi = qb + i * row, gi = gb + i * row, oi = ob + i * row;
            float l = ls.get(F, lb + 4L * i);
            FloatVector accd = FloatVector.zero(SP);
            for (int e = 0; e < vd; e += L) accd = ld(gs, gi + 4L * e).fma(ld(os, oi + 4L * e), accd);
            float dd = accd.reduceLanes(VectorOperators.ADD);
            for (int e = vd; e < d; e++) dd += gs.get(F, gi + 4L * e) * os.get(F, oi + 4L * e);
            for (int j = 0; j <= last; j++) {
                long kj = kb + j * row, vj = vb + j * row;
                FloatVector accs = FloatVector.zero(SP), accp = FloatVector.zero(SP);
                for (int e = 0; e < vd; e += L) {
                    accs = ld(qs, qi + 4L * e).fma(ld(ks, kj + 4L * e), accs);
                    accp = ld(gs, gi + 4L * e).fma(ld(vs, vj + 4L * e), accp);
                }
                float s = accs.reduceLanes(VectorOperators.ADD), dp = accp.reduceLanes(VectorOperators.ADD);
                for (int e = vd; e < d; e++) {
                    s += qs.get(F, qi + 4L * e) * ks.get(F, kj + 4L * e);
                    dp += gs.get(F, gi + 4L * e) * vs.get(F, vj + 4L * e);
                }
                float pij = (float) Math.exp(s * scale - l);
                p[i * t + j] = pij;
                ds[i * t + j] = pij * (dp - dd) * scale;
            }
        }
        // gq_i = Σ_j ds_ij k_j
        for (int i = 0; i < t; i++) {
            int last = causal ? i : t - 1;
            long gqi = gqb + i * row;
            for (int e = 0; e < vd; e += L) {
                FloatVector acc = FloatVector.zero(SP);
                for (int j = 0; j <= last; j++) acc = ld(ks, kb + j * row + 4L * e).fma(bc(ds[i * t + j]), acc);
                acc.intoMemorySegment(gqs, gqi + 4L * e, NO);
            }
            for (int e = vd; e < d; e++) {
                float acc = 0;
                for (int j = 0; j <= last; j++) acc += ds[i * t + j] * ks.get(F, kb + j * row + 4L * e);
                gqs.set(F, gqi + 4L * e, acc);
            }
        }
        // gk_j = Σ_i ds_ij q_i, gv_j = Σ_i p_ij gOut_i over the rows that see key j
        for (int j = 0; j < t; j++) {
            int first = causal ? j : 0;
            long gkj = gkb + j * row, gvj = gvb + j * row;
            for (int e = 0; e < vd; e += L) {
                FloatVector acck = FloatVector.zero(SP), accv = FloatVector.zero(SP);
                for (int i = first; i < t; i++) {
                    acck = ld(qs, qb + i * row + 4L * e).fma(bc(ds[i * t + j]), acck);
                    accv = ld(gs, gb + i * row + 4L * e).fma(bc(p[i * t + j]), accv);
                }
                acck.intoMemorySegment(gks, gkj + 4L * e, NO);
                accv.intoMemorySegment(gvs, gvj + 4L * e, NO);
            }
            for (int e = vd; e < d; e++) {
                float acck = 0, accv = 0;
                for (int i = first; i < t; i++) {
                    acck += ds[i * t + j] * qs.get(F, qb + i * row + 4L * e);
                    accv += p[i * t + j] * gs.get(F, gb + i * row + 4L * e);
                }
                gks.set(F, gkj + 4L * e, acck);
                gvs.set(F, gvj + 4L * e, accv);
            }
        }
    }
}
