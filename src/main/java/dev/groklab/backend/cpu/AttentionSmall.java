package dev.groklab.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import static dev.groklab.backend.cpu.AttentionKernels.Io.*;

/**
 * Attention for short sequences (the grokking transformers: T of 3 or 4, D of 32, B near a
 * million).
 *
 * <p>Sequences go in groups of one vector length G. A group's rows are contiguous, so each operand
 * comes in (and each result goes out) as one bulk copy through a scratch array: memory is read
 * as a plain stream, and the compute runs on L1-resident arrays. Dot products run with lanes
 * along D; the softmax runs with lanes across the G sequences of the group, so its exp and log
 * are vector operations and its loops run once per group, not once per sequence. Scores live in
 * a scratch array laid out [row i][key j][sequence]. Nothing is allocated per row or per group.
 */
final class AttentionSmall {
    private AttentionSmall() {}

    private static final VectorSpecies<Float> SP = FloatVector.SPECIES_PREFERRED;
    private static final int L = SP.length(), G = L;

    /** Eight lanes: dot products fold eight sequences at a time in registers (see {@link #dots}). */
    private static final boolean OCTETS = L == 8;
    private static final VectorMask<Float> M4 = bit(4), M2 = bit(2), M1 = bit(1);
    private static final VectorShuffle<Float> S4 = swap(4), S2 = swap(2), S1 = swap(1);

    private static VectorMask<Float> bit(int h) {
        boolean[] m = new boolean[L];
        for (int i = 0; i < L; i++) m[i] = (i & h) != 0;
        return VectorMask.fromArray(SP, m, 0);
    }

    private static VectorShuffle<Float> swap(int h) {
        int x = h & (L - 1);
        return VectorShuffle.fromOp(SP, i -> i ^ x);
    }

    /** Groups per parallel chunk: enough work (~64K multiply-adds) to repay a fork. */
    private static int grain(int t, int d) {
        return Math.max(1, (1 << 16) / Math.max(1, G * t * t * d));
    }

    // ---- forward ---------------------------------------------------------------------------

    static void forward(AttentionKernels.Io io, int bsz, int t, int d, boolean causal) {
        final float scale = (float) (1 / Math.sqrt(d));
        final int td = t * d, groups = (bsz + G - 1) / G;
        Parallel.range(groups, grain(t, d), (from, to) -> {
            float[] q = new float[G * td], k = new float[G * td], v = new float[G * td], o = new float[G * td];
            float[] sc = new float[t * t * G], acc = new float[t * G * L], lz = new float[G * t];
            for (int g = from; g < to; g++) {
                int b0 = g * G, n = Math.min(G, bsz - b0);
                long e0 = (long) b0 * td;
                io.read(Q, e0, q, 0, n * td);
                io.read(K, e0, k, 0, n * td);
                io.read(V, e0, v, 0, n * td);
                // Vector code sits in methods called per group, compiled on entry: on-stack
                // replacement mid-loop would leave vectors reaching the entry boxed.
                dots(q, k, n, t, d, causal, false, sc, acc);
                softmax(sc, t, causal, scale, n, lz, acc);
                for (int s = 0; s < n; s++) weighted(sc, s, v, o, s * td, t, d, causal);
                io.write(o, 0, OUT, e0, n * td);
                io.write(lz, 0, LSE, (long) b0 * t, n * t);
            }
        });
    }

    /**
     * Dot products of sequences s < n of a group: a_i · b_j for the keys j that row i sees, to
     * dst[(i*t + j)*G + s] (scores); or, diagonal, a_i · b_i to dst[i*G + s]. Every dot is the same
     * sum whichever branch computes it: lanes accumulate over the vector chunks of D in order
     * (one fma chain), fold by halves (lane l with l ^ L/2, then L/4, ...: the order reduceLanes
     * leaves to the JIT, fixed here so that every tier gives the same bits), then the scalar tail
     * adds on in order. With eight lanes and a full group, a row's accumulators for all eight
     * sequences go to acc and fold together in registers ({@link #fold8}); otherwise each folds
     * alone through acc.
     */
    private static void dots(float[] a, float[] b, int n, int t, int d, boolean causal, boolean diagonal,
                             float[] dst, float[] acc) {
        final int td = t * d;
        for (int i = 0; i < t; i++) {
            int j0 = diagonal ? i : 0, cnt = diagonal ? 1 : causal ? i + 1 : t, at = diagonal ? i * G : i * t * G;
            if (OCTETS && n == G) {
                // acc[(jj*G + slot)*L ..]: slot is s bit-reversed, so the folds leave lane s = sequence s.
                for (int s = 0; s < G; s++) {
                    int slot = (s & 1) << 2 | (s & 2) | s >> 2;
                    rowChains(a, s * td + i * d, b, s * td + j0 * d, d, cnt, acc, slot * L, G * L);
                }
                for (int jj = 0; jj < cnt; jj++) fold8(acc, jj * G * L, dst, at + jj * G);
            } else {
                for (int s = 0; s < n; s++) {
                    rowChains(a, s * td + i * d, b, s * td + j0 * d, d, cnt, acc, 0, L);
                    for (int jj = 0; jj < cnt; jj++) dst[at + jj * G + s] = AttentionKernels.foldSum(acc, jj * L);
                }
            }
            if (d % L != 0) {
                for (int s = 0; s < n; s++) {
                    for (int jj = 0; jj < cnt; jj++) {
                        float v = 0;
                        for (int e = d - d % L, x = s * td + i * d, y = s * td + (j0 + jj) * d; e < d; e++) v += a[x + e] * b[y + e];
                        dst[at + jj * G + s] += v;
                    }
                }
            }
        }
    }

    /**
     * acc[at + j*stride ..] = the lane accumulator of q_i · k_j (row qi against the cnt rows from
     * kb): an fma chain over D's full vector chunks in order, q held in registers four chunks at
     * a time and reused for every key.
     */
    private static void rowChains(float[] q, int qi, float[] k, int kb, int d, int cnt, float[] acc, int at, int stride) {
        final int nv = d / L;
        if (nv >= 4) {
            // The first four chunks start the chains (no accumulator to load yet).
            FloatVector q0 = FloatVector.fromArray(SP, q, qi), q1 = FloatVector.fromArray(SP, q, qi + L),
                    q2 = FloatVector.fromArray(SP, q, qi + 2 * L), q3 = FloatVector.fromArray(SP, q, qi + 3 * L);
            for (int j = 0, kc = kb, a = at; j < cnt; j++, kc += d, a += stride) {
                FloatVector x = q0.mul(FloatVector.fromArray(SP, k, kc));
                x = q1.fma(FloatVector.fromArray(SP, k, kc + L), x);
                x = q2.fma(FloatVector.fromArray(SP, k, kc + 2 * L), x);
                q3.fma(FloatVector.fromArray(SP, k, kc + 3 * L), x).intoArray(acc, a);
            }
        } else {
            for (int j = 0; j < cnt; j++) FloatVector.zero(SP).intoArray(acc, at + j * stride);
        }
        int c = nv >= 4 ? 4 : 0;
        for (; c + 4 <= nv; c += 4) {
            int qc = qi + c * L;
            FloatVector q0 = FloatVector.fromArray(SP, q, qc), q1 = FloatVector.fromArray(SP, q, qc + L),
                    q2 = FloatVector.fromArray(SP, q, qc + 2 * L), q3 = FloatVector.fromArray(SP, q, qc + 3 * L);
            for (int j = 0, kc = kb + c * L, a = at; j < cnt; j++, kc += d, a += stride) {
                FloatVector x = q0.fma(FloatVector.fromArray(SP, k, kc), FloatVector.fromArray(SP, acc, a));
                x = q1.fma(FloatVector.fromArray(SP, k, kc + L), x);
                x = q2.fma(FloatVector.fromArray(SP, k, kc + 2 * L), x);
                q3.fma(FloatVector.fromArray(SP, k, kc + 3 * L), x).intoArray(acc, a);
            }
        }
        for (; c < nv; c++) {
            FloatVector q0 = FloatVector.fromArray(SP, q, qi + c * L);
            for (int j = 0, kc = kb + c * L, a = at; j < cnt; j++, kc += d, a += stride) {
                q0.fma(FloatVector.fromArray(SP, k, kc), FloatVector.fromArray(SP, acc, a)).intoArray(acc, a);
            }
        }
    }

    /**
     * Lanes with bit h clear: x[l] + x[l ^ h]; lanes with bit h set: y[l] + y[l ^ h]; written out
     * (no helper taking vectors: one that failed to inline would box them).
     */
    private static void fold8(float[] acc, int from, float[] dst, int at) {
        FloatVector x = FloatVector.fromArray(SP, acc, from), y = FloatVector.fromArray(SP, acc, from + L);
        FloatVector x01 = x.blend(y, M4).add(y.blend(x, M4).rearrange(S4));
        x = FloatVector.fromArray(SP, acc, from + 2 * L);
        y = FloatVector.fromArray(SP, acc, from + 3 * L);
        FloatVector x23 = x.blend(y, M4).add(y.blend(x, M4).rearrange(S4));
        x = FloatVector.fromArray(SP, acc, from + 4 * L);
        y = FloatVector.fromArray(SP, acc, from + 5 * L);
        FloatVector x45 = x.blend(y, M4).add(y.blend(x, M4).rearrange(S4));
        x = FloatVector.fromArray(SP, acc, from + 6 * L);
        y = FloatVector.fromArray(SP, acc, from + 7 * L);
        FloatVector x67 = x.blend(y, M4).add(y.blend(x, M4).rearrange(S4));
        FloatVector lo = x01.blend(x23, M2).add(x23.blend(x01, M2).rearrange(S2));
        FloatVector hi = x45.blend(x67, M2).add(x67.blend(x45, M2).rearrange(S2));
        lo.blend(hi, M1).add(hi.blend(lo, M1).rearrange(S1)).intoArray(dst, at);
    }

    /**
     * Scores to probabilities in place, lanes across the group's sequences; the lse of sequence
     * s < n, row i, to lz[s*t + i].
     */
    private static void softmax(float[] sc, int t, boolean causal, float scale, int n, float[] lz, float[] tmp) {
        for (int i = 0; i < t; i++) {
            int last = causal ? i : t - 1, r = i * t * G, end = r + (last + 1) * G;
            FloatVector m = FloatVector.fromArray(SP, sc, r).mul(scale);
            for (int j = r + G; j < end; j += G) m = m.max(FloatVector.fromArray(SP, sc, j).mul(scale));
            for (int j = r; j < end; j += G) FloatVector.fromArray(SP, sc, j).mul(scale).sub(m).intoArray(sc, j);
            m.intoArray(tmp, G);
            AttentionKernels.expInPlace(sc, r, end);
            FloatVector z = FloatVector.fromArray(SP, sc, r);
            for (int j = r + G; j < end; j += G) z = z.add(FloatVector.fromArray(SP, sc, j));
            FloatVector inv = FloatVector.broadcast(SP, 1f).div(z);
            for (int j = r; j < end; j += G) FloatVector.fromArray(SP, sc, j).mul(inv).intoArray(sc, j);
            z.intoArray(tmp, 0);
            AttentionKernels.logNormaliser(tmp, 0);
            for (int s = 0; s < n; s++) lz[s * t + i] = tmp[G + s] + tmp[s];
        }
    }

    /** y_i = Σ_j w_ij x_j for sequence s (its x and y rows from xo), w in the [i][j][s] layout. */
    private static void weighted(float[] w, int s, float[] x, float[] y, int xo, int t, int d, boolean causal) {
        for (int i = 0; i < t; i++) {
            int last = causal ? i : t - 1, r = i * t * G + s, yi = xo + i * d;
            int e = 0;
            for (; e + 4 * L <= d; e += 4 * L) {
                FloatVector a0 = FloatVector.zero(SP), a1 = a0, a2 = a0, a3 = a0;
                for (int j = 0; j <= last; j++) {
                    FloatVector c = FloatVector.broadcast(SP, w[r + j * G]);
                    int xe = xo + j * d + e;
                    a0 = FloatVector.fromArray(SP, x, xe).fma(c, a0);
                    a1 = FloatVector.fromArray(SP, x, xe + L).fma(c, a1);
                    a2 = FloatVector.fromArray(SP, x, xe + 2 * L).fma(c, a2);
                    a3 = FloatVector.fromArray(SP, x, xe + 3 * L).fma(c, a3);
                }
                a0.intoArray(y, yi + e);
                a1.intoArray(y, yi + e + L);
                a2.intoArray(y, yi + e + 2 * L);
                a3.intoArray(y, yi + e + 3 * L);
            }
            for (; e + L <= d; e += L) {
                FloatVector a0 = FloatVector.zero(SP);
                for (int j = 0; j <= last; j++) a0 = FloatVector.fromArray(SP, x, xo + j * d + e).fma(FloatVector.broadcast(SP, w[r + j * G]), a0);
                a0.intoArray(y, yi + e);
            }
            for (; e < d; e++) {
                float a = 0;
                for (int j = 0; j <= last; j++) a += w[r + j * G] * x[xo + j * d + e];
                y[yi + e] = a;
            }
        }
    }

    // ---- backward --------------------------------------------------------------------------

    static void backward(AttentionKernels.Io io, int bsz, int t, int d, boolean causal) {
        final float scale = (float) (1 / Math.sqrt(d));
        final int td = t * d, groups = (bsz + G - 1) / G;
        // Three times the forward's work per group.
        Parallel.range(groups, Math.max(1, grain(t, d) / 3), (from, to) -> {
            float[] q = new float[G * td], k = new float[G * td], v = new float[G * td], o = new float[G * td],
                    gy = new float[G * td], gq = new float[G * td], gk = new float[G * td], gv = new float[G * td];
            // p: scores, then probabilities; ds: gOut_i · v_j, then score gradients; both [i][j][s].
            // dd: gOut_i · out_i and lr: lse, both [i][s]; lz: lse as stored, [s][i].
            float[] p = new float[t * t * G], ds = new float[t * t * G], dd = new float[t * G], lr = new float[t * G];
            float[] lz = new float[G * t], acc = new float[t * G * L];
            for (int g = from; g < to; g++) {
                int b0 = g * G, n = Math.min(G, bsz - b0);
                long e0 = (long) b0 * td;
                io.read(Q, e0, q, 0, n * td);
                io.read(K, e0, k, 0, n * td);
                io.read(V, e0, v, 0, n * td);
                io.read(OUT, e0, o, 0, n * td);
                io.read(GOUT, e0, gy, 0, n * td);
                io.read(LSE, (long) b0 * t, lz, 0, n * t);
                dots(q, k, n, t, d, causal, false, p, acc);
                dots(gy, v, n, t, d, causal, false, ds, acc);
                dots(gy, o, n, t, d, causal, true, dd, acc);
                for (int s = 0; s < n; s++) {
                    for (int i = 0; i < t; i++) lr[i * G + s] = lz[s * t + i];
                }
                probabilities(p, ds, dd, lr, t, causal, scale);
                for (int s = 0; s < n; s++) {
                    weighted(ds, s, k, gq, s * td, t, d, causal);
                    gradKV(p, ds, s, q, gy, gk, gv, s * td, t, d, causal);
                }
                io.write(gq, 0, GQ, e0, n * td);
                io.write(gk, 0, GK, e0, n * td);
                io.write(gv, 0, GV, e0, n * td);
            }
        });
    }

    /** p: scores → exp(s·scale − lse); ds: gOut·v → p (ds − dd) scale; lanes across sequences. */
    private static void probabilities(float[] p, float[] ds, float[] dd, float[] lr, int t, boolean causal, float scale) {
        for (int i = 0; i < t; i++) {
            int last = causal ? i : t - 1, r = i * t * G, end = r + (last + 1) * G;
            FloatVector nl = FloatVector.fromArray(SP, lr, i * G).neg(), di = FloatVector.fromArray(SP, dd, i * G);
            for (int j = r; j < end; j += G) FloatVector.fromArray(SP, p, j).fma(FloatVector.broadcast(SP, scale), nl).intoArray(p, j);
            AttentionKernels.expInPlace(p, r, end);
            for (int j = r; j < end; j += G) {
                FloatVector.fromArray(SP, ds, j).sub(di).mul(FloatVector.fromArray(SP, p, j)).mul(scale).intoArray(ds, j);
            }
        }
    }

    /** gk_j = Σ_i ds_ij q_i and gv_j = Σ_i p_ij gOut_i for one sequence, over the rows that see key j. */
    private static void gradKV(float[] p, float[] ds, int s, float[] q, float[] gy, float[] gk, float[] gv, int xo,
                               int t, int d, boolean causal) {
        for (int j = 0; j < t; j++) {
            int first = causal ? j : 0, c = j * G + s, yj = xo + j * d;
            int e = 0;
            for (; e + 2 * L <= d; e += 2 * L) {
                FloatVector k0 = FloatVector.zero(SP), k1 = k0, v0 = k0, v1 = k0;
                for (int i = first; i < t; i++) {
                    int at = i * t * G + c, xe = xo + i * d + e;
                    FloatVector wk = FloatVector.broadcast(SP, ds[at]), wv = FloatVector.broadcast(SP, p[at]);
                    k0 = FloatVector.fromArray(SP, q, xe).fma(wk, k0);
                    k1 = FloatVector.fromArray(SP, q, xe + L).fma(wk, k1);
                    v0 = FloatVector.fromArray(SP, gy, xe).fma(wv, v0);
                    v1 = FloatVector.fromArray(SP, gy, xe + L).fma(wv, v1);
                }
                k0.intoArray(gk, yj + e);
                k1.intoArray(gk, yj + e + L);
                v0.intoArray(gv, yj + e);
                v1.intoArray(gv, yj + e + L);
            }
            for (; e + L <= d; e += L) {
                FloatVector k0 = FloatVector.zero(SP), v0 = k0;
                for (int i = first; i < t; i++) {
                    int at = i * t * G + c, xe = xo + i * d + e;
                    k0 = FloatVector.fromArray(SP, q, xe).fma(FloatVector.broadcast(SP, ds[at]), k0);
                    v0 = FloatVector.fromArray(SP, gy, xe).fma(FloatVector.broadcast(SP, p[at]), v0);
                }
                k0.intoArray(gk, yj + e);
                v0.intoArray(gv, yj + e);
            }
            for (; e < d; e++) {
                float ak = 0, av = 0;
                for (int i = first; i < t; i++) {
                    int at = i * t * G + c, xe = xo + i * d + e;
                    ak += ds[at] * q[xe];
                    av += p[at] * gy[xe];
                }
                gk[yj + e] = ak;
                gv[yj + e] = av;
            }
        }
    }
}
