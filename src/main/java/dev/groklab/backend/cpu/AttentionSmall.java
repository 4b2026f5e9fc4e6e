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
 * million), read straight from the segments with no copies and no per-row allocation.
 *
 * <p>Sequences go in groups of one vector length G. Dot products run per sequence with lanes
 * along D (blocks of four vectors keep q or the accumulators in registers); the softmax then runs
 * with lanes across the G sequences of the group, so its exp and log are vector operations and
 * its loops run once per group, not once per sequence. Scores live in a small scratch array laid
 * out [row i][key j][sequence], one per parallel chunk.
 */
final class AttentionSmall {
    private AttentionSmall() {}

    private static final VectorSpecies<Float> SP = FloatVector.SPECIES_PREFERRED;
    private static final int L = SP.length(), G = L, B4 = 4 * L;
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private static FloatVector ld(MemorySegment s, long at) { return FloatVector.fromMemorySegment(SP, s, at, NO); }

    private static FloatVector bc(float x) { return FloatVector.broadcast(SP, x); }

    /** Groups per parallel chunk: enough work (~64K multiply-adds) to repay a fork. */
    private static int grain(int t, int d) {
        return Math.max(1, (1 << 16) / Math.max(1, G * t * t * d));
    }

    // ---- forward ---------------------------------------------------------------------------

    static void forward(AttentionKernels.Io io, int bsz, int t, int d, boolean causal) {
        final MemorySegment qs = io.seg[Q], ks = io.seg[K], vs = io.seg[V], os = io.seg[OUT], ls = io.seg[LSE];
        final long qo = io.off[Q], ko = io.off[K], vo = io.off[V], oo = io.off[OUT], lo = io.off[LSE];
        final float scale = (float) (1 / Math.sqrt(d));
        final long seq = (long) d * t * Float.BYTES;
        final int groups = (bsz + G - 1) / G;
        Parallel.range(groups, grain(t, d), (from, to) -> {
            float[] sc = new float[t * t * G], tmp = new float[G];
            for (int g = from; g < to; g++) {
                int b0 = g * G, n = Math.min(G, bsz - b0);
                long base = b0 * seq;
                // Vector code sits in methods called per group, compiled on entry: on-stack
                // replacement mid-loop would leave vectors reaching the entry boxed.
                for (int s = 0; s < n; s++) {
                    long sb = base + s * seq;
                    scores(qs, qo + sb, ks, ko + sb, t, d, causal, sc, s);
                }
                softmax(sc, t, causal, scale, ls, lo + 4L * b0 * t, n, tmp);
                for (int s = 0; s < n; s++) {
                    long sb = base + s * seq;
                    weighted(sc, s, vs, vo + sb, os, oo + sb, t, d, causal);
                }
            }
        });
    }

    /** sc[(i*t + j)*G + s] = q_i · k_j of one sequence, for the keys row i sees. */
    private static void scores(MemorySegment qs, long qb, MemorySegment ks, long kb, int t, int d, boolean causal,
                               float[] sc, int s) {
        final long row = 4L * d;
        for (int i = 0; i < t; i++) {
            int last = causal ? i : t - 1, r = i * t * G + s;
            long qi = qb + i * row;
            int e = 0;
            for (; e + B4 <= d; e += B4) {
                long qe = qi + 4L * e;
                FloatVector q0 = ld(qs, qe), q1 = ld(qs, qe + 4L * L), q2 = ld(qs, qe + 8L * L), q3 = ld(qs, qe + 12L * L);
                for (int j = 0; j <= last; j++) {
                    long ke = kb + j * row + 4L * e;
                    FloatVector a = q0.mul(ld(ks, ke)).add(q1.mul(ld(ks, ke + 4L * L)))
                            .add(q2.mul(ld(ks, ke + 8L * L)).add(q3.mul(ld(ks, ke + 12L * L))));
                    float v = a.reduceLanes(VectorOperators.ADD);
                    sc[r + j * G] = e == 0 ? v : sc[r + j * G] + v;
                }
            }
            for (; e + L <= d; e += L) {
                FloatVector q0 = ld(qs, qi + 4L * e);
                for (int j = 0; j <= last; j++) {
                    float v = q0.mul(ld(ks, kb + j * row + 4L * e)).reduceLanes(VectorOperators.ADD);
                    sc[r + j * G] = e == 0 ? v : sc[r + j * G] + v;
                }
            }
            if (e < d) {
                for (int j = 0; j <= last; j++) {
                    long kj = kb + j * row;
                    float v = e == 0 ? 0 : sc[r + j * G];
                    for (int x = e; x < d; x++) v += qs.get(F, qi + 4L * x) * ks.get(F, kj + 4L * x);
                    sc[r + j * G] = v;
                }
            }
        }
    }

    /**
     * Scores to probabilities in place, lanes across the group's sequences; lse of the first n
     * sequences to lse[s*t + i] from byte offset lb.
     */
    private static void softmax(float[] sc, int t, boolean causal, float scale, MemorySegment ls, long lb, int n,
                                float[] tmp) {
        for (int i = 0; i < t; i++) {
            int last = causal ? i : t - 1, r = i * t * G;
            FloatVector m = FloatVector.fromArray(SP, sc, r).mul(scale);
            for (int j = 1; j <= last; j++) m = m.max(FloatVector.fromArray(SP, sc, r + j * G).mul(scale));
            FloatVector z = FloatVector.zero(SP);
            for (int j = 0; j <= last; j++) {
                FloatVector w = FloatVector.fromArray(SP, sc, r + j * G).mul(scale).sub(m).lanewise(VectorOperators.EXP);
                w.intoArray(sc, r + j * G);
                z = z.add(w);
            }
            FloatVector inv = FloatVector.broadcast(SP, 1f).div(z);
            for (int j = 0; j <= last; j++) FloatVector.fromArray(SP, sc, r + j * G).mul(inv).intoArray(sc, r + j * G);
            m.add(z.lanewise(VectorOperators.LOG)).intoArray(tmp, 0);
            for (int s = 0; s < n; s++) ls.set(F, lb + 4L * ((long) s * t + i), tmp[s]);
        }
    }

    /** out_i = Σ_j p_ij v_j of one sequence. */
    private static void weighted(float[] sc, int s, MemorySegment vs, long vb, MemorySegment os, long ob,
                                 int t, int d, boolean causal) {
        final long row = 4L * d;
        for (int i = 0; i < t; i++) {
            int last = causal ? i : t - 1, r = i * t * G + s;
            long oi = ob + i * row;
            int e = 0;
            for (; e + B4 <= d; e += B4) {
                FloatVector a0 = FloatVector.zero(SP), a1 = a0, a2 = a0, a3 = a0;
                for (int j = 0; j <= last; j++) {
                    FloatVector w = bc(sc[r + j * G]);
                    long ve = vb + j * row + 4L * e;
                    a0 = ld(vs, ve).fma(w, a0);
                    a1 = ld(vs, ve + 4L * L).fma(w, a1);
                    a2 = ld(vs, ve + 8L * L).fma(w, a2);
                    a3 = ld(vs, ve + 12L * L).fma(w, a3);
                }
                long oe = oi + 4L * e;
                a0.intoMemorySegment(os, oe, NO);
                a1.intoMemorySegment(os, oe + 4L * L, NO);
                a2.intoMemorySegment(os, oe + 8L * L, NO);
                a3.intoMemorySegment(os, oe + 12L * L, NO);
            }
            for (; e + L <= d; e += L) {
                FloatVector a0 = FloatVector.zero(SP);
                for (int j = 0; j <= last; j++) a0 = ld(vs, vb + j * row + 4L * e).fma(bc(sc[r + j * G]), a0);
                a0.intoMemorySegment(os, oi + 4L * e, NO);
            }
            for (; e < d; e++) {
                float a = 0;
                for (int j = 0; j <= last; j++) a += sc[r + j * G] * vs.get(F, vb + j * row + 4L * e);
                os.set(F, oi + 4L * e, a);
            }
        }
    }

    // ---- backward --------------------------------------------------------------------------

    static void backward(AttentionKernels.Io io, int bsz, int t, int d, boolean causal) {
        final MemorySegment qs = io.seg[Q], ks = io.seg[K], vs = io.seg[V], os = io.seg[OUT], ls = io.seg[LSE],
                gs = io.seg[GOUT], gqs = io.seg[GQ], gks = io.seg[GK], gvs = io.seg[GV];
        final long qo = io.off[Q], ko = io.off[K], vo = io.off[V], oo = io.off[OUT], lo = io.off[LSE],
                go = io.off[GOUT], gqo = io.off[GQ], gko = io.off[GK], gvo = io.off[GV];
        final float scale = (float) (1 / Math.sqrt(d));
        final long seq = (long) d * t * Float.BYTES;
        final int groups = (bsz + G - 1) / G;
        // Three times the forward's work per group.
        Parallel.range(groups, Math.max(1, grain(t, d) / 3), (from, to) -> {
            // sc: scores, then p; dp: gOut_i · v_j, then ds; dd: gOut_i · out_i; both [i][j][s], dd [i][s].
            float[] sc = new float[t * t * G], dp = new float[t * t * G], dd = new float[t * G], lr = new float[t * G];
            for (int g = from; g < to; g++) {
                int b0 = g * G, n = Math.min(G, bsz - b0);
                long base = b0 * seq;
                for (int s = 0; s < n; s++) {
                    long sb = base + s * seq;
                    scores(qs, qo + sb, ks, ko + sb, t, d, causal, sc, s);
                    scores(gs, go + sb, vs, vo + sb, t, d, causal, dp, s);
                    rowDots(gs, go + sb, os, oo + sb, t, d, dd, s);
                    for (int i = 0; i < t; i++) lr[i * G + s] = ls.get(F, lo + 4L * ((long) (b0 + s) * t + i));
                }
                probabilities(sc, dp, dd, lr, t, causal, scale);
                for (int s = 0; s < n; s++) {
                    long sb = base + s * seq;
                    gradQ(dp, s, ks, ko + sb, gqs, gqo + sb, t, d, causal);
                    gradKV(sc, dp, s, qs, qo + sb, gs, go + sb, gks, gko + sb, gvs, gvo + sb, t, d, causal);
                }
            }
        });
    }

    /** dd[i*G + s] = gOut_i · out_i of one sequence. */
    private static void rowDots(MemorySegment gs, long gb, MemorySegment os, long ob, int t, int d, float[] dd, int s) {
        final long row = 4L * d;
        for (int i = 0; i < t; i++) {
            long gi = gb + i * row, oi = ob + i * row;
            FloatVector a = FloatVector.zero(SP);
            int e = 0;
            for (; e + L <= d; e += L) a = ld(gs, gi + 4L * e).fma(ld(os, oi + 4L * e), a);
            float v = a.reduceLanes(VectorOperators.ADD);
            for (; e < d; e++) v += gs.get(F, gi + 4L * e) * os.get(F, oi + 4L * e);
            dd[i * G + s] = v;
        }
    }

    /** sc: scores → p = exp(s·scale − lse); dp: gOut·v → ds = p (dp − dd) scale; lanes across sequences. */
    private static void probabilities(float[] sc, float[] dp, float[] dd, float[] lr, int t, boolean causal, float scale) {
        for (int i = 0; i < t; i++) {
            int last = causal ? i : t - 1, r = i * t * G;
            FloatVector nl = FloatVector.fromArray(SP, lr, i * G).neg(), di = FloatVector.fromArray(SP, dd, i * G);
            for (int j = 0; j <= last; j++) {
                int at = r + j * G;
                FloatVector p = FloatVector.fromArray(SP, sc, at).fma(bc(scale), nl).lanewise(VectorOperators.EXP);
                p.intoArray(sc, at);
                FloatVector.fromArray(SP, dp, at).sub(di).mul(p).mul(scale).intoArray(dp, at);
            }
        }
    }

    /** gq_i = Σ_j ds_ij k_j of one sequence. */
    private static void gradQ(float[] ds, int s, MemorySegment ks, long kb, MemorySegment gqs, long gqb,
                              int t, int d, boolean causal) {
        weighted(ds, s, ks, kb, gqs, gqb, t, d, causal);
    }

    /** gk_j = Σ_i ds_ij q_i and gv_j = Σ_i p_ij gOut_i of one sequence, over the rows that see key j. */
    private static void gradKV(float[] p, float[] ds, int s, MemorySegment qs, long qb, MemorySegment gs, long gb,
                               MemorySegment gks, long gkb, MemorySegment gvs, long gvb, int t, int d, boolean causal) {
        final long row = 4L * d;
        for (int j = 0; j < t; j++) {
            int first = causal ? j : 0, c = j * G + s;
            long gkj = gkb + j * row, gvj = gvb + j * row;
            int e = 0;
            for (; e + 2 * L <= d; e += 2 * L) {
                FloatVector k0 = FloatVector.zero(SP), k1 = k0, v0 = k0, v1 = k0;
                for (int i = first; i < t; i++) {
                    int at = i * t * G + c;
                    FloatVector wk = bc(ds[at]), wv = bc(p[at]);
                    long qe = qb + i * row + 4L * e, ge = gb + i * row + 4L * e;
                    k0 = ld(qs, qe).fma(wk, k0);
                    k1 = ld(qs, qe + 4L * L).fma(wk, k1);
                    v0 = ld(gs, ge).fma(wv, v0);
                    v1 = ld(gs, ge + 4L * L).fma(wv, v1);
                }
                k0.intoMemorySegment(gks, gkj + 4L * e, NO);
                k1.intoMemorySegment(gks, gkj + 4L * e + 4L * L, NO);
                v0.intoMemorySegment(gvs, gvj + 4L * e, NO);
                v1.intoMemorySegment(gvs, gvj + 4L * e + 4L * L, NO);
            }
            for (; e + L <= d; e += L) {
                FloatVector k0 = FloatVector.zero(SP), v0 = k0;
                for (int i = first; i < t; i++) {
                    int at = i * t * G + c;
                    k0 = ld(qs, qb + i * row + 4L * e).fma(bc(ds[at]), k0);
                    v0 = ld(gs, gb + i * row + 4L * e).fma(bc(p[at]), v0);
                }
                k0.intoMemorySegment(gks, gkj + 4L * e, NO);
                v0.intoMemorySegment(gvs, gvj + 4L * e, NO);
            }
            for (; e < d; e++) {
                float ak = 0, av = 0;
                for (int i = first; i < t; i++) {
                    int at = i * t * G + c;
                    ak += ds[at] * qs.get(F, qb + i * row + 4L * e);
                    av += p[at] * gs.get(F, gb + i * row + 4L * e);
                }
                gks.set(F, gkj + 4L * e, ak);
                gvs.set(F, gvj + 4L * e, av);
            }
        }
    }
}
