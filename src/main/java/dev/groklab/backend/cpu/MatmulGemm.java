package dev.groklab.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Packed, cache-blocked float32 GEMM (GotoBLAS/BLIS structure): C[M×N] (+)= Σ_s A_s·B_s.
 *
 * <p>The summed K axis is the concatenation of {@code segs} segments of length {@code k} (one per
 * batch when a batch is reduced into one output, a single one otherwise), so a batch reduction is
 * just a longer K. Packing copies A into MR-row panels and B into NR-column panels, kc deep and
 * zero padded, which absorbs every stride (transposed views cost only the packing) and lets one
 * register-tiled micro-kernel run on contiguous float[] data. Edge tiles use the same kernel and
 * write only their valid part.
 */
final class MatmulGemm {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /**
     * Micro-tile: MR rows × two vectors. Eight accumulators cover the FMA latency; with the two B
     * vectors and the broadcasts C2 hoists they still fit 16 registers (a 6×2 tile spills).
     */
    static final int MR = 4;
    static final int NR = 2 * L;
    /**
     * Blocking: a kc·NR micro-panel of B (16 KiB) stays in L1 while every A micro-panel of the
     * mc·kc block (144 KiB, L2) streams past it; the kc·nc block of B (1 MiB) sits in L3. Every
     * thread packs its own B block, so they must fit the shared L3 together with room to spare.
     */
    static final int KC = 256;
    static final int MC = 144;
    static final int NC = Math.max(NR, 1024 / NR * NR);

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    /** MR floats at once when packing column-major A. */
    private static final VectorSpecies<Float> A4 = FloatVector.SPECIES_128;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final VectorMask<Float>[] HEAD = masks(0);
    private static final VectorMask<Float>[] TAIL = masks(L);

    @SuppressWarnings("unchecked")
    private static VectorMask<Float>[] masks(int offset) {
        VectorMask<Float>[] m = new VectorMask[NR + 1];
        for (int nr = 0; nr <= NR; nr++) m[nr] = S.indexInRange(offset, nr);
        return m;
    }

    /** Per-thread packing buffers, grown on demand and reused across calls. */
    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[3][]);

    final MemorySegment a, b, c;
    final int m, n, k;
    final long[] aOff, bOff;
    final int aRS, aCS, bRS, bCS;
    final boolean accumulate;
    /** The product in progress: K segments [s0, s0+segs) of the offset tables, C at element cOff. */
    private int s0, segs;
    private long cOff;

    MatmulGemm(MemorySegment a, MemorySegment b, MemorySegment c, int m, int n, int k,
               long[] aOff, long[] bOff, int aRS, int aCS, int bRS, int bCS, boolean accumulate) {
        this.a = a; this.b = b; this.c = c;
        this.m = m; this.n = n; this.k = k;
        this.aOff = aOff; this.bOff = bOff;
        this.aRS = aRS; this.aCS = aCS; this.bRS = bRS; this.bCS = bCS;
        this.accumulate = accumulate;
    }

    /** A view of the same operands for K segments [s0, s0+segs) into C at element offset cOff. */
    MatmulGemm at(int s0, int segs, long cOff) {
        MatmulGemm g = new MatmulGemm(a, b, c, m, n, k, aOff, bOff, aRS, aCS, bRS, bCS, accumulate);
        g.s0 = s0; g.segs = segs; g.cOff = cOff;
        return g;
    }

    /** Computes rows [m0, m1) × columns [n0, n1) of C on the calling thread. */
    void run(int m0, int m1, int n0, int n1) {
        if (m0 >= m1 || n0 >= n1) return;
        long kTotal = (long) k * segs;
        int kBlocks = (int) Math.max(1, (kTotal + KC - 1) / KC);
        int kcMax = (int) ((kTotal + kBlocks - 1) / kBlocks);
        int ncMax = Math.min(NC, roundUp(n1 - n0, NR));
        float[] ap = buffer(0, MC * kcMax), bp = buffer(1, kcMax * ncMax), tile = buffer(2, MR * NR);
        long ldc = (long) n * Float.BYTES;

        for (int jc = n0; jc < n1; jc += NC) {
            int nc = Math.min(NC, n1 - jc);
            for (long k0 = 0; k0 < kTotal; ) {
                int kc = (int) Math.min(kcMax, kTotal - k0);
                for (int jp = 0; jp * NR < nc; jp++) {
                    int col = jc + jp * NR;
                    packB(bp, jp * kc * NR, k0, kc, col, Math.min(NR, jc + nc - col));
                }
                boolean add = accumulate || k0 > 0;
                for (int ic = m0; ic < m1; ic += MC) {
                    int mc = Math.min(MC, m1 - ic);
                    packA(ap, k0, kc, ic, mc);
                    for (int jp = 0; jp * NR < nc; jp++) {
                        int col = jc + jp * NR, nr = Math.min(NR, jc + nc - col);
                        int bi = jp * kc * NR;
                        for (int ip = 0; ip * MR < mc; ip++) {
                            int row = ic + ip * MR, mr = Math.min(MR, ic + mc - row);
                            long co = (cOff + (long) row * n + col) * Float.BYTES;
                            kernel(ap, ip * kc * MR, bp, bi, kc, c, co, ldc, mr, nr, add, tile);
                        }
                    }
                }
                k0 += kc;
            }
        }
    }

    static int roundUp(int x, int to) { return (x + to - 1) / to * to; }

    private static float[] buffer(int slot, int length) {
        float[][] buf = BUFFERS.get();
        if (buf[slot] == null || buf[slot].length < length) buf[slot] = new float[Math.max(length, 64)];
        return buf[slot];
    }

    // ---- packing --------------------------------------------------------------------------------

    /**
     * A rows [ic, ic+mc) × K [k0, k0+kc) → MR-row panels: ap[panel·kc·MR + p·MR + i], rows past
     * the end zero.
     */
    private void packA(float[] ap, long k0, int kc, int ic, int mc) {
        long kk = k0, end = k0 + kc;
        int p = 0;
        int full = aRS == 1 && MR == A4.length() ? mc / MR : 0;
        while (kk < end) {
            int s = (int) (kk / k), q = (int) (kk - (long) s * k);
            int len = (int) Math.min(end - kk, k - q);
            long base = aOff[s0 + s] + (long) q * aCS + (long) ic * aRS;
            if (full > 0) {
                // Column-major A (a transposed view): walk each k step's contiguous run of rows, so
                // the reads stream instead of striding by a whole column per panel.
                // Four k steps per pass fill one 64-byte line of each panel at a time.
                long step = (long) aCS * Float.BYTES, src = base * Float.BYTES;
                int pstride = kc * MR, t = 0;
                for (; t + 3 < len; t += 4, src += 4 * step) {
                    int d = (p + t) * MR;
                    long o = src;
                    for (int ip = 0; ip < full; ip++, d += pstride, o += MR * Float.BYTES) {
                        FloatVector.fromMemorySegment(A4, a, o, ORDER).intoArray(ap, d);
                        FloatVector.fromMemorySegment(A4, a, o + step, ORDER).intoArray(ap, d + MR);
                        FloatVector.fromMemorySegment(A4, a, o + 2 * step, ORDER).intoArray(ap, d + 2 * MR);
                        FloatVector.fromMemorySegment(A4, a, o + 3 * step, ORDER).intoArray(ap, d + 3 * MR);
                    }
                }
                for (; t < len; t++, src += step) {
                    int d = (p + t) * MR;
                    long o = src;
                    for (int ip = 0; ip < full; ip++, d += pstride, o += MR * Float.BYTES) {
                        FloatVector.fromMemorySegment(A4, a, o, ORDER).intoArray(ap, d);
                    }
                }
            }
            for (int ip = full; ip * MR < mc; ip++) {
                int row = ip * MR, mr = Math.min(MR, mc - row);
                int d = ip * kc * MR + p * MR;
                long rb = base + (long) row * aRS;
                for (int i = 0; i < mr; i++) {
                    long src = rb + (long) i * aRS;
                    if (aCS == 1) {
                        for (int t = 0; t < len; t++) ap[d + t * MR + i] = a.getAtIndex(F, src + t);
                    } else {
                        for (int t = 0; t < len; t++) ap[d + t * MR + i] = a.getAtIndex(F, src + (long) t * aCS);
                    }
                }
                for (int i = mr; i < MR; i++) {
                    for (int t = 0; t < len; t++) ap[d + t * MR + i] = 0f;
                }
            }
            kk += len;
            p += len;
        }
    }

    /** B K [k0, k0+kc) × columns [col, col+nr) → bp[dst + p·NR + j], columns ≥ nr zero. */
    private void packB(float[] bp, int dst, long k0, int kc, int col, int nr) {
        long kk = k0, end = k0 + kc;
        int p = 0;
        while (kk < end) {
            int s = (int) (kk / k), q = (int) (kk - (long) s * k);
            int len = (int) Math.min(end - kk, k - q);
            long base = bOff[s0 + s] + (long) q * bRS + (long) col * bCS;
            int d = dst + p * NR;
            if (bCS == 1) {
                long step = (long) bRS * Float.BYTES;
                long src = base * Float.BYTES;
                if (nr == NR) {
                    for (int t = 0; t < len; t++, d += NR, src += step) {
                        FloatVector.fromMemorySegment(S, b, src, ORDER).intoArray(bp, d);
                        FloatVector.fromMemorySegment(S, b, src + (long) L * Float.BYTES, ORDER).intoArray(bp, d + L);
                    }
                } else {
                    VectorMask<Float> m0 = HEAD[nr], m1 = TAIL[nr];
                    for (int t = 0; t < len; t++, d += NR, src += step) {
                        FloatVector.fromMemorySegment(S, b, src, ORDER, m0).intoArray(bp, d);
                        FloatVector.fromMemorySegment(S, b, src + (long) L * Float.BYTES, ORDER, m1).intoArray(bp, d + L);
                    }
                }
            } else {
                for (int j = 0; j < nr; j++) {
                    long src = base + (long) j * bCS;
                    if (bRS == 1) {
                        for (int t = 0; t < len; t++) bp[d + t * NR + j] = b.getAtIndex(F, src + t);
                    } else {
                        for (int t = 0; t < len; t++) bp[d + t * NR + j] = b.getAtIndex(F, src + (long) t * bRS);
                    }
                }
                for (int j = nr; j < NR; j++) {
                    for (int t = 0; t < len; t++) bp[d + t * NR + j] = 0f;
                }
            }
            kk += len;
            p += len;
        }
    }

    // ---- micro-kernel ---------------------------------------------------------------------------

    /**
     * C tile [mr × nr] at byte offset co (row pitch ldc bytes) (+)= Ap panel · Bp panel over kc.
     * Rows past mr and columns past nr are computed on zero padding and not stored.
     */
    static void kernel(float[] ap, int ai, float[] bp, int bi, int kc,
                       MemorySegment c, long co, long ldc, int mr, int nr, boolean add, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        // One k step per trip: unrolled, C2 hoists all broadcasts of both steps and spills accumulators.
        for (int p = 0; p < kc; p++) {
            int ak = ai + p * MR, bk = bi + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bk);
            FloatVector b1 = FloatVector.fromArray(S, bp, bk + L);
            FloatVector x = FloatVector.broadcast(S, ap[ak]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[ak + 1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[ak + 2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[ak + 3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
        }
        if (mr == MR && nr == NR) {
            // Full tile: straight to C. Written out inline: a call taking vectors would box them.
            long o0 = co, o1 = co + ldc, o2 = o1 + ldc, o3 = o2 + ldc, h = (long) L * Float.BYTES;
            if (add) {
                c00 = c00.add(FloatVector.fromMemorySegment(S, c, o0, ORDER));
                c01 = c01.add(FloatVector.fromMemorySegment(S, c, o0 + h, ORDER));
                c10 = c10.add(FloatVector.fromMemorySegment(S, c, o1, ORDER));
                c11 = c11.add(FloatVector.fromMemorySegment(S, c, o1 + h, ORDER));
                c20 = c20.add(FloatVector.fromMemorySegment(S, c, o2, ORDER));
                c21 = c21.add(FloatVector.fromMemorySegment(S, c, o2 + h, ORDER));
                c30 = c30.add(FloatVector.fromMemorySegment(S, c, o3, ORDER));
                c31 = c31.add(FloatVector.fromMemorySegment(S, c, o3 + h, ORDER));
            }
            c00.intoMemorySegment(c, o0, ORDER);
            c01.intoMemorySegment(c, o0 + h, ORDER);
            c10.intoMemorySegment(c, o1, ORDER);
            c11.intoMemorySegment(c, o1 + h, ORDER);
            c20.intoMemorySegment(c, o2, ORDER);
            c21.intoMemorySegment(c, o2 + h, ORDER);
            c30.intoMemorySegment(c, o3, ORDER);
            c31.intoMemorySegment(c, o3 + h, ORDER);
        } else {
            // Edge tile: through a small buffer, then only the mr × nr part is written.
            c00.intoArray(tile, 0);
            c01.intoArray(tile, L);
            c10.intoArray(tile, NR);
            c11.intoArray(tile, NR + L);
            c20.intoArray(tile, 2 * NR);
            c21.intoArray(tile, 2 * NR + L);
            c30.intoArray(tile, 3 * NR);
            c31.intoArray(tile, 3 * NR + L);
            storeEdge(tile, c, co, ldc, mr, nr, add);
        }
    }

    private static void storeEdge(float[] tile, MemorySegment c, long co, long ldc, int mr, int nr, boolean add) {
        for (int i = 0; i < mr; i++, co += ldc) {
            for (int j = 0; j < nr; j++) {
                long o = co + (long) j * Float.BYTES;
                float v = tile[i * NR + j];
                c.set(F, o, add ? v + c.get(F, o) : v);
            }
        }
    }
}
