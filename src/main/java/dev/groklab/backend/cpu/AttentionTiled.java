package dev.groklab.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

import static dev.groklab.backend.cpu.AttentionKernels.Io.*;

/**
 * Attention for longer sequences (T of tens to hundreds). Per sequence, K and V are copied once
 * into zero-padded arrays (K also transposed), then blocks of {@value #R} query rows go through
 * register-blocked products whose lanes run over keys or over D, so no lane reduction sits in
 * any inner loop. A block's scores span all its visible keys, so the softmax is exact in two
 * passes; its memory is R·T floats, not T².
 */
final class AttentionTiled {
    private AttentionTiled() {}

    private static final VectorSpecies<Float> SP = FloatVector.SPECIES_PREFERRED;
    private static final int L = SP.length();
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /** Query rows per block: 4 rows × 2 vectors of accumulators fill most of 16 registers. */
    static final int R = 4;

    private static int up(int x, int m) { return (x + m - 1) / m * m; }

    // ---- forward ---------------------------------------------------------------------------

    static void forward(AttentionKernels.Io io, int bsz, int t, int d, boolean causal) {
        final MemorySegment qs = io.seg[Q], ks = io.seg[K], vs = io.seg[V], os = io.seg[OUT], ls = io.seg[LSE];
        final long qo = io.off[Q], ko = io.off[K], vo = io.off[V], oo = io.off[OUT], lo = io.off[LSE];
        final float scale = (float) (1 / Math.sqrt(d));
        final int dp = up(d, L), tp = up(t, L), blocks = (t + R - 1) / R;
        final long row = (long) d * Float.BYTES, seq = row * t;
        // Few sequences: split each one's query rows too, so every core has work.
        int want = 2 * Parallel.threads();
        final int groups = bsz >= want ? 1 : Math.min(blocks, (want + bsz - 1) / bsz);
        final int rowsPerGroup = (blocks + groups - 1) / groups * R;
        Parallel.range(bsz * groups, 1, (from, to) -> {
            float[] ka = new float[t * dp], kt = new float[dp * tp], va = new float[t * dp];
            float[] qa = new float[R * dp], sb = new float[R * tp], ob = new float[R * dp];
            float[] inv = new float[R];
            for (int u = from; u < to; u++) {
                int b = u / groups, r0 = (u % groups) * rowsPerGroup, r1 = Math.min(t, r0 + rowsPerGroup);
                if (r0 >= r1) continue;
                long base = b * seq;
                int kEnd = causal ? r1 : t;
                loadRows(ks, ko + base, d, kEnd, ka, dp);
                loadRows(vs, vo + base, d, kEnd, va, dp);
                transpose(ka, kEnd, dp, kt, tp);
                for (int i0 = r0; i0 < r1; i0 += R) {
                    int rows = Math.min(R, t - i0);
                    Arrays.fill(qa, 0);
                    loadRows(qs, qo + base + i0 * row, d, rows, qa, dp);
                    scaleInPlace(qa, rows * dp, scale);
                    int jEnd = causal ? Math.min(t, i0 + R) : t, nc = up(jEnd, L);
                    gemm4(qa, 0, dp, kt, tp, d, nc, sb, tp);
                    for (int r = 0; r < R; r++) {
                        int i = i0 + r, s0 = r * tp;
                        if (i >= t) { Arrays.fill(sb, s0, s0 + nc, 0); continue; }
                        int last = causal ? i : t - 1;
                        Arrays.fill(sb, s0 + last + 1, s0 + nc, Float.NEGATIVE_INFINITY);
                        FloatVector m = FloatVector.broadcast(SP, Float.NEGATIVE_INFINITY);
                        for (int j = 0; j < nc; j += L) m = m.max(FloatVector.fromArray(SP, sb, s0 + j));
                        float mx = m.reduceLanes(VectorOperators.MAX);
                        FloatVector z = FloatVector.zero(SP);
                        for (int j = 0; j < nc; j += L) {
                            FloatVector w = FloatVector.fromArray(SP, sb, s0 + j).sub(mx).lanewise(VectorOperators.EXP);
                            w.intoArray(sb, s0 + j);
                            z = z.add(w);
                        }
                        float zs = z.reduceLanes(VectorOperators.ADD);
                        ls.set(F, lo + 4L * ((long) b * t + i), mx + (float) Math.log(zs));
                        inv[r] = 1 / zs;
                    }
                    gemm4(sb, 0, tp, va, dp, jEnd, dp, ob, dp);
                    for (int r = 0; r < rows; r++) {
                        scaleInPlace(ob, r * dp, dp, inv[r]);
                        MemorySegment.copy(ob, r * dp, os, F, oo + base + (i0 + r) * row, d);
                    }
                }
            }
        });
    }

    // ---- backward --------------------------------------------------------------------------

    static void backward(AttentionKernels.Io io, int bsz, int t, int d, boolean causal) {
        final MemorySegment qs = io.seg[Q], ks = io.seg[K], vs = io.seg[V], os = io.seg[OUT], ls = io.seg[LSE],
                gs = io.seg[GOUT], gqs = io.seg[GQ], gks = io.seg[GK], gvs = io.seg[GV];
        final long qo = io.off[Q], ko = io.off[K], vo = io.off[V], oo = io.off[OUT], lo = io.off[LSE],
                go = io.off[GOUT], gqo = io.off[GQ], gko = io.off[GK], gvo = io.off[GV];
        final float scale = (float) (1 / Math.sqrt(d));
        final int dp = up(d, L), tp = up(t, L), tr = up(t, R);
        final long row = (long) d * Float.BYTES, seq = row * t;
        Parallel.range(bsz, 1, (from, to) -> {
            float[] qa = new float[tr * dp], ga = new float[tr * dp], ka = new float[t * dp], va = new float[t * dp];
            float[] kt = new float[dp * tp], vt = new float[dp * tp];
            float[] gkA = new float[t * dp], gvA = new float[t * dp];
            float[] sb = new float[R * tp], db = new float[R * tp], gb = new float[R * dp];
            float[] dd = new float[t], lr = new float[t];
            for (int b = from; b < to; b++) {
                long base = b * seq;
                loadRows(qs, qo + base, d, t, qa, dp);
                loadRows(gs, go + base, d, t, ga, dp);
                loadRows(ks, ko + base, d, t, ka, dp);
                loadRows(vs, vo + base, d, t, va, dp);
                transpose(ka, t, dp, kt, tp);
                transpose(va, t, dp, vt, tp);
                Arrays.fill(gkA, 0);
                Arrays.fill(gvA, 0);
                for (int i = 0; i < t; i++) {
                    dd[i] = dotSegment(gs, go + base + i * row, os, oo + base + i * row, d);
                    lr[i] = ls.get(F, lo + 4L * ((long) b * t + i));
                }
                for (int i0 = 0; i0 < t; i0 += R) {
                    int jEnd = causal ? Math.min(t, i0 + R) : t, nc = up(jEnd, L);
                    gemm4(qa, i0 * dp, dp, kt, tp, d, nc, sb, tp);
                    gemm4(ga, i0 * dp, dp, vt, tp, d, nc, db, tp);
                    for (int r = 0; r < R; r++) {
                        int i = i0 + r, s0 = r * tp;
                        if (i >= t) {
                            Arrays.fill(sb, s0, s0 + nc, 0);
                            Arrays.fill(db, s0, s0 + nc, 0);
                            continue;
                        }
                        float nl = -lr[i], di = dd[i];
                        for (int j = 0; j < nc; j += L) {
                            FloatVector p = FloatVector.fromArray(SP, sb, s0 + j).fma(scale, nl).lanewise(VectorOperators.EXP);
                            FloatVector ds = FloatVector.fromArray(SP, db, s0 + j).sub(di).mul(p).mul(scale);
                            p.intoArray(sb, s0 + j);
                            ds.intoArray(db, s0 + j);
                        }
                        int last = causal ? i : t - 1;
                        Arrays.fill(sb, s0 + last + 1, s0 + nc, 0);
                        Arrays.fill(db, s0 + last + 1, s0 + nc, 0);
                    }
                    gemm4(db, 0, tp, ka, dp, jEnd, dp, gb, dp);
                    for (int r = 0, rows = Math.min(R, t - i0); r < rows; r++) {
                        MemorySegment.copy(gb, r * dp, gqs, F, gqo + base + (i0 + r) * row, d);
                    }
                    addOuter4(sb, tp, ga, i0 * dp, dp, jEnd, dp, gvA);
                    addOuter4(db, tp, qa, i0 * dp, dp, jEnd, dp, gkA);
                }
                for (int j = 0; j < t; j++) {
                    MemorySegment.copy(gkA, j * dp, gks, F, gko + base + j * row, d);
                    MemorySegment.copy(gvA, j * dp, gvs, F, gvo + base + j * row, d);
                }
            }
        });
    }

    // ---- building blocks -------------------------------------------------------------------

    /** rows × d floats from a segment into an array with row stride ld (the padding is left alone). */
    private static void loadRows(MemorySegment s, long at, int d, int rows, float[] dst, int ld) {
        if (d == ld) {
            MemorySegment.copy(s, F, at, dst, 0, rows * d);
            return;
        }
        for (int r = 0; r < rows; r++) MemorySegment.copy(s, F, at + 4L * r * d, dst, r * ld, d);
    }

    /** dst[e*ldt + j] = src[j*ld + e] for j < rows, e < ld. */
    private static void transpose(float[] src, int rows, int ld, float[] dst, int ldt) {
        for (int j = 0; j < rows; j++) {
            int s = j * ld;
            for (int e = 0; e < ld; e++) dst[e * ldt + j] = src[s + e];
        }
    }

    private static void scaleInPlace(float[] a, int n, float f) { scaleInPlace(a, 0, n, f); }

    /** a[from, from + n) *= f, n a multiple of the vector length. */
    private static void scaleInPlace(float[] a, int from, int n, float f) {
        for (int i = from; i < from + n; i += L) FloatVector.fromArray(SP, a, i).mul(f).intoArray(a, i);
    }

    private static float dotSegment(MemorySegment a, long ao, MemorySegment b, long bo, int d) {
        int vd = SP.loopBound(d);
        FloatVector acc = FloatVector.zero(SP);
        for (int e = 0; e < vd; e += L) {
            acc = FloatVector.fromMemorySegment(SP, a, ao + 4L * e, NO).fma(FloatVector.fromMemorySegment(SP, b, bo + 4L * e, NO), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (int e = vd; e < d; e++) s += a.get(F, ao + 4L * e) * b.get(F, bo + 4L * e);
        return s;
    }

    /**
     * c[r*ldc + j] = Σ_{e<kk} a[ao + r*lda + e] · b[e*ldb + j] for r < 4, j < nc (a multiple of
     * the vector length): a 4-row slab times a row-major matrix, lanes along its columns.
     */
    static void gemm4(float[] a, int ao, int lda, float[] b, int ldb, int kk, int nc, float[] c, int ldc) {
        int a0 = ao, a1 = ao + lda, a2 = ao + 2 * lda, a3 = ao + 3 * lda;
        int j = 0;
        for (; j + 2 * L <= nc; j += 2 * L) {
            FloatVector c00 = FloatVector.zero(SP), c01 = c00, c10 = c00, c11 = c00,
                    c20 = c00, c21 = c00, c30 = c00, c31 = c00;
            for (int e = 0, bj = j; e < kk; e++, bj += ldb) {
                FloatVector b0 = FloatVector.fromArray(SP, b, bj), b1 = FloatVector.fromArray(SP, b, bj + L);
                FloatVector x = FloatVector.broadcast(SP, a[a0 + e]);
                c00 = b0.fma(x, c00);
                c01 = b1.fma(x, c01);
                x = FloatVector.broadcast(SP, a[a1 + e]);
                c10 = b0.fma(x, c10);
                c11 = b1.fma(x, c11);
                x = FloatVector.broadcast(SP, a[a2 + e]);
                c20 = b0.fma(x, c20);
                c21 = b1.fma(x, c21);
                x = FloatVector.broadcast(SP, a[a3 + e]);
                c30 = b0.fma(x, c30);
                c31 = b1.fma(x, c31);
            }
            c00.intoArray(c, j);
            c01.intoArray(c, j + L);
            c10.intoArray(c, ldc + j);
            c11.intoArray(c, ldc + j + L);
            c20.intoArray(c, 2 * ldc + j);
            c21.intoArray(c, 2 * ldc + j + L);
            c30.intoArray(c, 3 * ldc + j);
            c31.intoArray(c, 3 * ldc + j + L);
        }
        if (j < nc) {
            FloatVector c0 = FloatVector.zero(SP), c1 = c0, c2 = c0, c3 = c0;
            for (int e = 0, bj = j; e < kk; e++, bj += ldb) {
                FloatVector b0 = FloatVector.fromArray(SP, b, bj);
                c0 = b0.fma(FloatVector.broadcast(SP, a[a0 + e]), c0);
                c1 = b0.fma(FloatVector.broadcast(SP, a[a1 + e]), c1);
                c2 = b0.fma(FloatVector.broadcast(SP, a[a2 + e]), c2);
                c3 = b0.fma(FloatVector.broadcast(SP, a[a3 + e]), c3);
            }
            c0.intoArray(c, j);
            c1.intoArray(c, ldc + j);
            c2.intoArray(c, 2 * ldc + j);
            c3.intoArray(c, 3 * ldc + j);
        }
    }

    /**
     * acc[j*ld + e] += Σ_{r<4} w[r*ldw + j] · x[xo + r*ld + e] for j < nj, e < nc: the transposed
     * product of a block's weights with its 4 rows, added into per-key accumulators. The rows stay
     * in registers while the keys stream by.
     */
    static void addOuter4(float[] w, int ldw, float[] x, int xo, int ld, int nj, int nc, float[] acc) {
        int w1 = ldw, w2 = 2 * ldw, w3 = 3 * ldw;
        int e = 0;
        for (; e + 2 * L <= nc; e += 2 * L) {
            FloatVector x00 = FloatVector.fromArray(SP, x, xo + e), x01 = FloatVector.fromArray(SP, x, xo + e + L);
            FloatVector x10 = FloatVector.fromArray(SP, x, xo + ld + e), x11 = FloatVector.fromArray(SP, x, xo + ld + e + L);
            FloatVector x20 = FloatVector.fromArray(SP, x, xo + 2 * ld + e), x21 = FloatVector.fromArray(SP, x, xo + 2 * ld + e + L);
            FloatVector x30 = FloatVector.fromArray(SP, x, xo + 3 * ld + e), x31 = FloatVector.fromArray(SP, x, xo + 3 * ld + e + L);
            for (int j = 0, aj = e; j < nj; j++, aj += ld) {
                FloatVector y0 = FloatVector.broadcast(SP, w[j]), y1 = FloatVector.broadcast(SP, w[w1 + j]),
                        y2 = FloatVector.broadcast(SP, w[w2 + j]), y3 = FloatVector.broadcast(SP, w[w3 + j]);
                FloatVector s0 = FloatVector.fromArray(SP, acc, aj), s1 = FloatVector.fromArray(SP, acc, aj + L);
                s0 = x00.fma(y0, s0);
                s1 = x01.fma(y0, s1);
                s0 = x10.fma(y1, s0);
                s1 = x11.fma(y1, s1);
                s0 = x20.fma(y2, s0);
                s1 = x21.fma(y2, s1);
                s0 = x30.fma(y3, s0);
                s1 = x31.fma(y3, s1);
                s0.intoArray(acc, aj);
                s1.intoArray(acc, aj + L);
            }
        }
        if (e < nc) {
            FloatVector x0 = FloatVector.fromArray(SP, x, xo + e), x1 = FloatVector.fromArray(SP, x, xo + ld + e);
            FloatVector x2 = FloatVector.fromArray(SP, x, xo + 2 * ld + e), x3 = FloatVector.fromArray(SP, x, xo + 3 * ld + e);
            for (int j = 0, aj = e; j < nj; j++, aj += ld) {
                FloatVector s = FloatVector.fromArray(SP, acc, aj);
                s = x0.fma(FloatVector.broadcast(SP, w[j]), s);
                s = x1.fma(FloatVector.broadcast(SP, w[w1 + j]), s);
                s = x2.fma(FloatVector.broadcast(SP, w[w2 + j]), s);
                s = x3.fma(FloatVector.broadcast(SP, w[w3 + j]), s);
                s.intoArray(acc, aj);
            }
        }
    }
}
