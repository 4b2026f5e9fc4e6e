package dev.groklab.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

import static dev.groklab.backend.cpu.AttentionKernels.Io.*;

/**
 * Attention for longer sequences (T of tens to hundreds). Per sequence, the operands are packed
 * once into panels NR = 2L columns wide (K and V transposed into key panels for the score
 * products, K and V in D panels for the weighted sums), then blocks of six query rows go through
 * a 6 × NR register-blocked product (twelve accumulators) whose lanes run over keys or over D, so
 * no lane reduction sits in any inner loop. Panels have a constant stride, so the JIT drops the
 * bounds checks from the inner loops. A block's scores span all its visible keys, so the softmax
 * is exact in two passes and takes 6·T floats, not T².
 */
final class AttentionTiled {
    private AttentionTiled() {}

    private static final VectorSpecies<Float> SP = FloatVector.SPECIES_PREFERRED;
    private static final int L = SP.length();

    /** Query rows per block. */
    static final int R = 6;
    /** Panel width: two vectors, so a block keeps 6 × 2 accumulators (of 16 AVX2 registers). */
    static final int NR = 2 * L;

    private static int up(int x, int m) { return (x + m - 1) / m * m; }

    // ---- forward ---------------------------------------------------------------------------

    static void forward(AttentionKernels.Io io, int bsz, int t, int d, boolean causal) {
        final float scale = (float) (1 / Math.sqrt(d));
        final int tn = up(t, NR), dn = up(d, NR), blocks = (t + R - 1) / R;
        // Few sequences: split each one's query rows too, so every core has work.
        int want = 2 * Parallel.threads();
        final int groups = bsz >= want ? 1 : Math.min(blocks, (want + bsz - 1) / bsz);
        final int rowsPerGroup = (blocks + groups - 1) / groups * R;
        Parallel.range(bsz * groups, 1, (from, to) -> {
            float[] rows = new float[t * d], kT = new float[tn * d], vD = new float[dn * t];
            float[] qa = new float[R * d], sb = new float[R * tn], ob = new float[R * dn], st = new float[2 * R + L];
            for (int u = from; u < to; u++) {
                int b = u / groups, r0 = (u % groups) * rowsPerGroup, r1 = Math.min(t, r0 + rowsPerGroup);
                if (r0 >= r1) continue;
                long e0 = (long) b * t * d;
                int kEnd = causal ? r1 : t;
                io.read(K, e0, rows, 0, kEnd * d);
                packKeyPanels(rows, kEnd, d, kT);
                io.read(V, e0, rows, 0, kEnd * d);
                packDimPanels(rows, kEnd, d, t, vD);
                for (int i0 = r0; i0 < r1; i0 += R) {
                    int n = Math.min(R, t - i0);
                    io.read(Q, e0 + (long) i0 * d, qa, 0, n * d);
                    Arrays.fill(qa, n * d, R * d, 0f);
                    int jEnd = causal ? Math.min(t, i0 + R) : t, nc = up(jEnd, NR);
                    for (int p = 0; p < nc; p += NR) mm6(qa, 0, d, kT, p * d, d, sb, p, tn);
                    for (int r = 0; r < R; r++) {
                        int i = i0 + r;
                        if (i < t) softmaxRow(sb, r * tn, (causal ? i : t - 1) + 1, nc, scale, st, r);
                        else Arrays.fill(sb, r * tn, r * tn + nc, 0f);
                    }
                    for (int p = 0; p < dn; p += NR) mm6(sb, 0, tn, vD, p * t, jEnd, ob, p, dn);
                    for (int r = 0; r < n; r++) {
                        scaleRow(ob, r * dn, dn, st[R + r]);
                        io.write(ob, r * dn, OUT, e0 + (long) (i0 + r) * d, d);
                        io.write(st, r, LSE, (long) b * t + i0 + r, 1);
                    }
                }
            }
        });
    }

    /**
     * Row s0 of a score block, keys [0, n) visible of nc computed: ← exp(scale·s − max), the rest
     * 0. st[r] ← the row's lse, st[R + r] ← 1 / its normaliser. Sums run in a fixed order (lanes
     * over the chunks, then a fold by halves), so every JIT tier gives the same bits.
     */
    private static void softmaxRow(float[] sb, int s0, int n, int nc, float scale, float[] st, int r) {
        Arrays.fill(sb, s0 + n, s0 + nc, Float.NEGATIVE_INFINITY);
        FloatVector m = FloatVector.broadcast(SP, Float.NEGATIVE_INFINITY);
        for (int j = s0; j < s0 + nc; j += L) m = m.max(FloatVector.fromArray(SP, sb, j));
        float mx = m.reduceLanes(VectorOperators.MAX) * scale;
        FloatVector sc = FloatVector.broadcast(SP, scale), nm = FloatVector.broadcast(SP, -mx);
        for (int j = s0; j < s0 + nc; j += L) FloatVector.fromArray(SP, sb, j).fma(sc, nm).intoArray(sb, j);
        AttentionKernels.expInPlace(sb, s0, s0 + nc);
        FloatVector z = FloatVector.fromArray(SP, sb, s0);
        for (int j = s0 + L; j < s0 + nc; j += L) z = z.add(FloatVector.fromArray(SP, sb, j));
        z.intoArray(st, 2 * R);
        float zs = AttentionKernels.foldSum(st, 2 * R);
        st[r] = mx + SimdMath.log(zs);
        st[R + r] = 1 / zs;
    }

    private static void scaleRow(float[] a, int from, int n, float f) {
        FloatVector v = FloatVector.broadcast(SP, f);
        for (int i = from; i < from + n; i += L) FloatVector.fromArray(SP, a, i).mul(v).intoArray(a, i);
    }

    // ---- backward --------------------------------------------------------------------------

    static void backward(AttentionKernels.Io io, int bsz, int t, int d, boolean causal) {
        final float scale = (float) (1 / Math.sqrt(d));
        final int tn = up(t, NR), dn = up(d, NR), tr = up(t, R);
        Parallel.range(bsz, 1, (from, to) -> {
            float[] rows = new float[t * d], o = new float[t * d];
            // q and gOut row-major with rows padded to dn: the A operand of the score products
            // and the registers-held rows of the dK, dV updates.
            float[] qa = new float[tr * dn], ga = new float[tr * dn];
            float[] kT = new float[tn * d], vT = new float[tn * d], kD = new float[dn * t];
            float[] gkD = new float[dn * t], gvD = new float[dn * t];
            float[] sb = new float[R * tn], db = new float[R * tn], gb = new float[R * dn];
            float[] dd = new float[tr], lr = new float[tr], st = new float[L];
            for (int b = from; b < to; b++) {
                long e0 = (long) b * t * d;
                io.read(K, e0, rows, 0, t * d);
                packKeyPanels(rows, t, d, kT);
                packDimPanels(rows, t, d, t, kD);
                io.read(V, e0, rows, 0, t * d);
                packKeyPanels(rows, t, d, vT);
                io.read(Q, e0, rows, 0, t * d);
                padRows(rows, t, d, qa, dn);
                io.read(GOUT, e0, rows, 0, t * d);
                padRows(rows, t, d, ga, dn);
                io.read(OUT, e0, o, 0, t * d);
                io.read(LSE, (long) b * t, lr, 0, t);
                for (int i = 0; i < t; i++) dd[i] = dot(rows, o, i * d, d, st);
                Arrays.fill(gkD, 0f);
                Arrays.fill(gvD, 0f);
                for (int i0 = 0; i0 < t; i0 += R) {
                    int jEnd = causal ? Math.min(t, i0 + R) : t, nc = up(jEnd, NR);
                    for (int p = 0; p < nc; p += NR) {
                        mm6(qa, i0 * dn, dn, kT, p * d, d, sb, p, tn);
                        mm6(ga, i0 * dn, dn, vT, p * d, d, db, p, tn);
                    }
                    for (int r = 0; r < R; r++) {
                        int i = i0 + r;
                        if (i < t) gradRow(sb, db, r * tn, (causal ? i : t - 1) + 1, nc, scale, lr[i], dd[i]);
                        else {
                            Arrays.fill(sb, r * tn, r * tn + nc, 0f);
                            Arrays.fill(db, r * tn, r * tn + nc, 0f);
                        }
                    }
                    for (int p = 0; p < dn; p += NR) {
                        mm6(db, 0, tn, kD, p * t, jEnd, gb, p, dn);
                        addOuter6(sb, tn, ga, i0 * dn + p, dn, jEnd, gvD, p * t);
                        addOuter6(db, tn, qa, i0 * dn + p, dn, jEnd, gkD, p * t);
                    }
                    for (int r = 0, n = Math.min(R, t - i0); r < n; r++) {
                        io.write(gb, r * dn, GQ, e0 + (long) (i0 + r) * d, d);
                    }
                }
                unpackDimPanels(gkD, t, d, rows);
                io.write(rows, 0, GK, e0, t * d);
                unpackDimPanels(gvD, t, d, rows);
                io.write(rows, 0, GV, e0, t * d);
            }
        });
    }

    /**
     * Row s0 of a block: sb holds q·k, db holds gOut·v for keys [0, nc), the first n visible.
     * sb ← p = exp(scale·s − lse), db ← p (db − dd) scale; invisible keys 0 in both.
     */
    private static void gradRow(float[] sb, float[] db, int s0, int n, int nc, float scale, float lse, float dd) {
        FloatVector sc = FloatVector.broadcast(SP, scale), nl = FloatVector.broadcast(SP, -lse);
        for (int j = s0; j < s0 + nc; j += L) FloatVector.fromArray(SP, sb, j).fma(sc, nl).intoArray(sb, j);
        Arrays.fill(sb, s0 + n, s0 + nc, Float.NEGATIVE_INFINITY);
        AttentionKernels.expInPlace(sb, s0, s0 + nc);
        FloatVector di = FloatVector.broadcast(SP, dd);
        for (int j = s0; j < s0 + nc; j += L) {
            FloatVector.fromArray(SP, db, j).sub(di).mul(FloatVector.fromArray(SP, sb, j)).mul(sc).intoArray(db, j);
        }
    }

    /** gOut_i · out_i: lanes over D's chunks, folded by halves, then the tail in order. */
    private static float dot(float[] g, float[] o, int at, int d, float[] tmp) {
        int vd = d - d % L;
        FloatVector acc = FloatVector.zero(SP);
        for (int e = 0; e < vd; e += L) acc = FloatVector.fromArray(SP, g, at + e).fma(FloatVector.fromArray(SP, o, at + e), acc);
        acc.intoArray(tmp, 0);
        float s = AttentionKernels.foldSum(tmp, 0);
        for (int e = vd; e < d; e++) s += g[at + e] * o[at + e];
        return s;
    }

    // ---- packing ---------------------------------------------------------------------------

    /** kT[(p*d + e)*NR + c] = x[(p*NR + c)*d + e] for the first n rows of row-major x [·, d]. */
    private static void packKeyPanels(float[] x, int n, int d, float[] kT) {
        for (int j = 0; j < n; j++) {
            int base = (j / NR) * d * NR + j % NR, xj = j * d;
            for (int e = 0; e < d; e++) kT[base + e * NR] = x[xj + e];
        }
    }

    /** xD[(p*ld + j)*NR + c] = x[j*d + p*NR + c] for the first n rows; panel columns past d stay 0. */
    private static void packDimPanels(float[] x, int n, int d, int ld, float[] xD) {
        for (int p = 0; p < d; p += NR) {
            int w = Math.min(NR, d - p), base = p * ld;
            for (int j = 0; j < n; j++) System.arraycopy(x, j * d + p, xD, base + j * NR, w);
        }
    }

    private static void unpackDimPanels(float[] xD, int n, int d, float[] x) {
        for (int p = 0; p < d; p += NR) {
            int w = Math.min(NR, d - p), base = p * n;
            for (int j = 0; j < n; j++) System.arraycopy(xD, base + j * NR, x, j * d + p, w);
        }
    }

    private static void padRows(float[] x, int n, int d, float[] dst, int ld) {
        for (int j = 0; j < n; j++) System.arraycopy(x, j * d, dst, j * ld, d);
    }

    // ---- register-blocked products ------------------------------------------------------------

    /**
     * c[co + r*ldc + (0..NR)] = Σ_{e<kk} a[ao + r*lda + e] · b[bo + e*NR + (0..NR)] for r < 6: six
     * rows of a times one NR-wide panel of b.
     */
    static void mm6(float[] a, int ao, int lda, float[] b, int bo, int kk, float[] c, int co, int ldc) {
        int a0 = ao, a1 = ao + lda, a2 = ao + 2 * lda, a3 = ao + 3 * lda, a4 = ao + 4 * lda, a5 = ao + 5 * lda;
        FloatVector c00 = FloatVector.zero(SP), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
                c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        for (int e = 0; e < kk; e++) {
            int be = bo + e * NR;
            FloatVector b0 = FloatVector.fromArray(SP, b, be), b1 = FloatVector.fromArray(SP, b, be + L);
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
            x = FloatVector.broadcast(SP, a[a4 + e]);
            c40 = b0.fma(x, c40);
            c41 = b1.fma(x, c41);
            x = FloatVector.broadcast(SP, a[a5 + e]);
            c50 = b0.fma(x, c50);
            c51 = b1.fma(x, c51);
        }
        c00.intoArray(c, co);
        c01.intoArray(c, co + L);
        c10.intoArray(c, co + ldc);
        c11.intoArray(c, co + ldc + L);
        c20.intoArray(c, co + 2 * ldc);
        c21.intoArray(c, co + 2 * ldc + L);
        c30.intoArray(c, co + 3 * ldc);
        c31.intoArray(c, co + 3 * ldc + L);
        c40.intoArray(c, co + 4 * ldc);
        c41.intoArray(c, co + 4 * ldc + L);
        c50.intoArray(c, co + 5 * ldc);
        c51.intoArray(c, co + 5 * ldc + L);
    }

    /**
     * acc[ao + j*NR + (0..NR)] += Σ_{r<6} w[r*ldw + j] · x[xo + r*ldx + (0..NR)] for j < nj: a block's
     * weights, transposed, times its six rows (one NR-wide slice of them), added into per-key
     * accumulators. The rows stay in registers while the keys stream by.
     */
    static void addOuter6(float[] w, int ldw, float[] x, int xo, int ldx, int nj, float[] acc, int ao) {
        int w1 = ldw, w2 = 2 * ldw, w3 = 3 * ldw, w4 = 4 * ldw, w5 = 5 * ldw;
        FloatVector x00 = FloatVector.fromArray(SP, x, xo), x01 = FloatVector.fromArray(SP, x, xo + L);
        FloatVector x10 = FloatVector.fromArray(SP, x, xo + ldx), x11 = FloatVector.fromArray(SP, x, xo + ldx + L);
        FloatVector x20 = FloatVector.fromArray(SP, x, xo + 2 * ldx), x21 = FloatVector.fromArray(SP, x, xo + 2 * ldx + L);
        FloatVector x30 = FloatVector.fromArray(SP, x, xo + 3 * ldx), x31 = FloatVector.fromArray(SP, x, xo + 3 * ldx + L);
        FloatVector x40 = FloatVector.fromArray(SP, x, xo + 4 * ldx), x41 = FloatVector.fromArray(SP, x, xo + 4 * ldx + L);
        FloatVector x50 = FloatVector.fromArray(SP, x, xo + 5 * ldx), x51 = FloatVector.fromArray(SP, x, xo + 5 * ldx + L);
        for (int j = 0; j < nj; j++) {
            int aj = ao + j * NR;
            FloatVector s0 = FloatVector.fromArray(SP, acc, aj), s1 = FloatVector.fromArray(SP, acc, aj + L);
            FloatVector y = FloatVector.broadcast(SP, w[j]);
            s0 = x00.fma(y, s0);
            s1 = x01.fma(y, s1);
            y = FloatVector.broadcast(SP, w[w1 + j]);
            s0 = x10.fma(y, s0);
            s1 = x11.fma(y, s1);
            y = FloatVector.broadcast(SP, w[w2 + j]);
            s0 = x20.fma(y, s0);
            s1 = x21.fma(y, s1);
            y = FloatVector.broadcast(SP, w[w3 + j]);
            s0 = x30.fma(y, s0);
            s1 = x31.fma(y, s1);
            y = FloatVector.broadcast(SP, w[w4 + j]);
            s0 = x40.fma(y, s0);
            s1 = x41.fma(y, s1);
            y = FloatVector.broadcast(SP, w[w5 + j]);
            s0 = x50.fma(y, s0);
            s1 = x51.fma(y, s1);
            s0.intoArray(acc, aj);
            s1.intoArray(acc, aj + L);
        }
    }
}
