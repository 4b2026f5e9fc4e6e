package dev.groklab.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Unpacked float32 products for shapes too small or too thin for packing to pay off (attention
 * scores [T×D]·[D×T], gemv-like rows): straight from the operands' segments, nothing allocated,
 * so per-call overhead stays in the tens of nanoseconds. C[m×n] at element co (row pitch ldc)
 * (+)= A·B with A element (i, q) at ao + i·aRS + q·aCS and B (q, j) at bo + q·bRS + j·bCS.
 */
final class MatmulSmall {
    private MatmulSmall() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    /** Whether a vectorized kernel takes these strides (otherwise the scalar one does). */
    static boolean vectorized(int aCS, int bRS, int bCS, int k) {
        return bCS == 1 || (aCS == 1 && bRS == 1 && k >= L);
    }

    static void multiply(MemorySegment a, long ao, int aRS, int aCS, MemorySegment b, long bo, int bRS, int bCS,
                         MemorySegment c, long co, int ldc, int m, int n, int k, boolean add) {
        if (bCS == 1) rowsTimesB(a, ao, aRS, aCS, b, bo, bRS, c, co, ldc, m, n, k, add);
        else if (aCS == 1 && bRS == 1 && k >= L) dots(a, ao, aRS, b, bo, bCS, c, co, ldc, m, n, k, add);
        else scalar(a, ao, aRS, aCS, b, bo, bRS, bCS, c, co, ldc, m, n, k, add);
    }

    /**
     * Row-major B: each row of C is Σ_q A[i,q]·B[q,:], four vectors of columns (then one) held in
     * registers across the whole k loop; the last n mod L columns as one more vector whose extra
     * lanes are computed on whatever follows each B row and not stored (masked loads cost several
     * times a plain one), masked only for the last B rows, where a whole vector would run past
     * the end of the segment.
     */
    private static void rowsTimesB(MemorySegment a, long ao, int aRS, int aCS, MemorySegment b, long bo, int bRS,
                                   MemorySegment c, long co, int ldc, int m, int n, int k, boolean add) {
        long bStep = (long) bRS * Float.BYTES;
        int j = 0;
        for (; j + 4 * L <= n; j += 4 * L) {
            for (int i = 0; i < m; i++) {
                FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
                long ai = ao + (long) i * aRS, bb = (bo + j) * Float.BYTES;
                for (int q = 0; q < k; q++, ai += aCS, bb += bStep) {
                    FloatVector x = FloatVector.broadcast(S, a.getAtIndex(F, ai));
                    s0 = x.fma(FloatVector.fromMemorySegment(S, b, bb, ORDER), s0);
                    s1 = x.fma(FloatVector.fromMemorySegment(S, b, bb + L * Float.BYTES, ORDER), s1);
                    s2 = x.fma(FloatVector.fromMemorySegment(S, b, bb + 2 * L * Float.BYTES, ORDER), s2);
                    s3 = x.fma(FloatVector.fromMemorySegment(S, b, bb + 3 * L * Float.BYTES, ORDER), s3);
                }
                long o = (co + (long) i * ldc + j) * Float.BYTES;
                if (add) {
                    s0 = s0.add(FloatVector.fromMemorySegment(S, c, o, ORDER));
                    s1 = s1.add(FloatVector.fromMemorySegment(S, c, o + L * Float.BYTES, ORDER));
                    s2 = s2.add(FloatVector.fromMemorySegment(S, c, o + 2 * L * Float.BYTES, ORDER));
                    s3 = s3.add(FloatVector.fromMemorySegment(S, c, o + 3 * L * Float.BYTES, ORDER));
                }
                s0.intoMemorySegment(c, o, ORDER);
                s1.intoMemorySegment(c, o + L * Float.BYTES, ORDER);
                s2.intoMemorySegment(c, o + 2 * L * Float.BYTES, ORDER);
                s3.intoMemorySegment(c, o + 3 * L * Float.BYTES, ORDER);
            }
        }
        for (; j + L <= n; j += L) {
            for (int i = 0; i < m; i++) {
                FloatVector s0 = FloatVector.zero(S), s1 = s0;
                long ai = ao + (long) i * aRS, bb = (bo + j) * Float.BYTES;
                int q = 0;
                for (; q + 1 < k; q += 2, ai += 2L * aCS, bb += 2 * bStep) {
                    s0 = FloatVector.broadcast(S, a.getAtIndex(F, ai))
                            .fma(FloatVector.fromMemorySegment(S, b, bb, ORDER), s0);
                    s1 = FloatVector.broadcast(S, a.getAtIndex(F, ai + aCS))
                            .fma(FloatVector.fromMemorySegment(S, b, bb + bStep, ORDER), s1);
                }
                if (q < k) {
                    s0 = FloatVector.broadcast(S, a.getAtIndex(F, ai)).fma(FloatVector.fromMemorySegment(S, b, bb, ORDER), s0);
                }
                s0 = s0.add(s1);
                long o = (co + (long) i * ldc + j) * Float.BYTES;
                if (add) s0 = s0.add(FloatVector.fromMemorySegment(S, c, o, ORDER));
                s0.intoMemorySegment(c, o, ORDER);
            }
        }
        if (j == n) return;
        int w = n - j;
        // Rows q < qSafe can be read as whole vectors without running off the segment; the rest
        // (the final row or two of a B that ends the segment) take masked loads.
        long room = b.byteSize() / Float.BYTES - (bo + j + L);
        int qSafe = room < 0 ? 0 : bRS == 0 ? k : (int) Math.min(k, room / bRS + 1);
        VectorMask<Float> part = S.indexInRange(0, w);
        for (int i = 0; i < m; i++) {
            FloatVector s0 = FloatVector.zero(S);
            long ai = ao + (long) i * aRS, bb = (bo + j) * Float.BYTES;
            int q = 0;
            for (; q < qSafe; q++, ai += aCS, bb += bStep) {
                s0 = FloatVector.broadcast(S, a.getAtIndex(F, ai)).fma(FloatVector.fromMemorySegment(S, b, bb, ORDER), s0);
            }
            for (; q < k; q++, ai += aCS, bb += bStep) {
                s0 = FloatVector.broadcast(S, a.getAtIndex(F, ai)).fma(FloatVector.fromMemorySegment(S, b, bb, ORDER, part), s0);
            }
            long o = co + (long) i * ldc + j;
            for (int t = 0; t < w; t++) {
                float v = s0.lane(t);
                c.setAtIndex(F, o + t, add ? c.getAtIndex(F, o + t) + v : v);
            }
        }
    }

    /** A rows and B columns both contiguous along k: each C element is one vector dot product. */
    private static void dots(MemorySegment a, long ao, int aRS, MemorySegment b, long bo, int bCS,
                             MemorySegment c, long co, int ldc, int m, int n, int k, boolean add) {
        int kv = k - k % L;
        VectorMask<Float> tail = S.indexInRange(kv, k);
        for (int i = 0; i < m; i++) {
            long ar = (ao + (long) i * aRS) * Float.BYTES;
            for (int j = 0; j < n; j++) {
                long br = (bo + (long) j * bCS) * Float.BYTES;
                FloatVector s0 = FloatVector.zero(S), s1 = s0;
                int q = 0;
                for (; q + 2 * L <= kv; q += 2 * L) {
                    long qo = (long) q * Float.BYTES;
                    s0 = FloatVector.fromMemorySegment(S, a, ar + qo, ORDER)
                            .fma(FloatVector.fromMemorySegment(S, b, br + qo, ORDER), s0);
                    s1 = FloatVector.fromMemorySegment(S, a, ar + qo + L * Float.BYTES, ORDER)
                            .fma(FloatVector.fromMemorySegment(S, b, br + qo + L * Float.BYTES, ORDER), s1);
                }
                if (q < kv) {
                    long qo = (long) q * Float.BYTES;
                    s0 = FloatVector.fromMemorySegment(S, a, ar + qo, ORDER)
                            .fma(FloatVector.fromMemorySegment(S, b, br + qo, ORDER), s0);
                }
                if (kv < k) {
                    long qo = (long) kv * Float.BYTES;
                    if (ar + qo + L * Float.BYTES <= a.byteSize() && br + qo + L * Float.BYTES <= b.byteSize()) {
                        // Whole-vector loads (the lanes past k are discarded by the masked add).
                        s1 = s1.add(FloatVector.fromMemorySegment(S, a, ar + qo, ORDER)
                                .mul(FloatVector.fromMemorySegment(S, b, br + qo, ORDER)), tail);
                    } else {
                        s1 = FloatVector.fromMemorySegment(S, a, ar + qo, ORDER, tail)
                                .fma(FloatVector.fromMemorySegment(S, b, br + qo, ORDER, tail), s1);
                    }
                }
                float sum = s0.add(s1).reduceLanes(VectorOperators.ADD);
                long o = co + (long) i * ldc + j;
                c.setAtIndex(F, o, add ? c.getAtIndex(F, o) + sum : sum);
            }
        }
    }

    /** Any strides: four partial sums per element hide the FMA latency. */
    private static void scalar(MemorySegment a, long ao, int aRS, int aCS, MemorySegment b, long bo, int bRS, int bCS,
                               MemorySegment c, long co, int ldc, int m, int n, int k, boolean add) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                long ai = ao + (long) i * aRS, bj = bo + (long) j * bCS;
                float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                int q = 0;
                for (; q + 3 < k; q += 4, ai += 4L * aCS, bj += 4L * bRS) {
                    s0 = Math.fma(a.getAtIndex(F, ai), b.getAtIndex(F, bj), s0);
                    s1 = Math.fma(a.getAtIndex(F, ai + aCS), b.getAtIndex(F, bj + bRS), s1);
                    s2 = Math.fma(a.getAtIndex(F, ai + 2L * aCS), b.getAtIndex(F, bj + 2L * bRS), s2);
                    s3 = Math.fma(a.getAtIndex(F, ai + 3L * aCS), b.getAtIndex(F, bj + 3L * bRS), s3);
                }
                for (; q < k; q++, ai += aCS, bj += bRS) s0 = Math.fma(a.getAtIndex(F, ai), b.getAtIndex(F, bj), s0);
                float s = (s0 + s1) + (s2 + s3);
                long o = co + (long) i * ldc + j;
                c.setAtIndex(F, o, add ? c.getAtIndex(F, o) + s : s);
            }
        }
    }
}
