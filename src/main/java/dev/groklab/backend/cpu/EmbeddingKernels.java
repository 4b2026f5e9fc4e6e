package dev.groklab.backend.cpu;

import dev.groklab.tensor.Tensor;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

import static dev.groklab.backend.cpu.SimdUtil.GRAIN;
import static dev.groklab.backend.cpu.SimdUtil.L;
import static dev.groklab.backend.cpu.SimdUtil.ORDER;
import static dev.groklab.backend.cpu.SimdUtil.S;
import static dev.groklab.backend.cpu.SimdUtil.get;
import static dev.groklab.backend.cpu.SimdUtil.set;

/**
 * float32 embedding gather / scatter-add over a [M, V, D] table. Every index is checked before
 * anything is written. False = use the reference (non-dense tables or rows).
 */
final class EmbeddingKernels {
    private EmbeddingKernels() {}

    /** Indices as [M or 1][N] ints (any idx layout), each checked against [0, vocab). */
    private static int[] indices(Tensor idx, int vocab, String op) {
        int n = idx.numel();
        int[] out = new int[n];
        MemorySegment s = idx.segment();
        for (int i = 0; i < n; i++) {
            int v = s.getAtIndex(SimdUtil.I32, idx.rank() == 1 ? idx.offset() + (long) i * idx.stride(0) : idx.elementIndex(i));
            if (v < 0 || v >= vocab) throw new IllegalArgumentException(op + ": index " + v + " outside [0, " + vocab + ")");
            out[i] = v;
        }
        return out;
    }

    static boolean gather(Tensor table, Tensor idx, Tensor out) {
        if (!SimdUtil.dense(table, out)) return false;
        int m = table.dim(0), vocab = table.dim(1), d = table.dim(2), n = idx.dim(-1);
        int[] ix = indices(idx, vocab, "gather");
        if (m == 0 || n == 0 || d == 0) return true;
        boolean shared = idx.rank() == 1;
        MemorySegment ts = table.segment(), os = out.segment();
        long to = table.offset(), oo = out.offset();
        SimdUtil.forRows(m * n, d, GRAIN, (from, end) -> {
            for (int row = from; row < end; row++) {
                int mi = row / n, ni = row % n;
                int v = ix[shared ? ni : row];
                copyRow(ts, to + ((long) mi * vocab + v) * d, os, oo + (long) row * d, d);
            }
        });
        return true;
    }

    private static void copyRow(MemorySegment src, long so, MemorySegment dst, long dO, int d) {
        if (d >= 64) {
            MemorySegment.copy(src, so << 2, dst, dO << 2, (long) d << 2);
            return;
        }
        int i = 0;
        for (int ub = S.loopBound(d); i < ub; i += L) {
            FloatVector.fromMemorySegment(S, src, (so + i) << 2, ORDER).intoMemorySegment(dst, (dO + i) << 2, ORDER);
        }
        for (; i < d; i++) set(dst, dO + i, get(src, so + i));
    }

    /**
     * Parallel over (model, column block) pairs: a task owns its columns of its model's table, so
     * repeated indices never race.
     */
    static boolean scatterAdd(Tensor gOut, Tensor idx, Tensor gTable) {
        if (!SimdUtil.dense(gOut, gTable)) return false;
        int m = gTable.dim(0), vocab = gTable.dim(1), d = gTable.dim(2), n = idx.dim(-1);
        int[] ix = indices(idx, vocab, "scatterAdd");
        if (m == 0 || n == 0 || d == 0) return true;
        boolean shared = idx.rank() == 1;
        MemorySegment gs = gOut.segment(), ts = gTable.segment();
        long go = gOut.offset(), to = gTable.offset();
        long work = (long) m * n * d;
        int threads = Parallel.threads();
        int blocks = 1;
        if (m < threads && work >= 2L * GRAIN) {
            // Column blocks of whole vectors, enough of them to feed every thread.
            int vecs = (d + L - 1) / L;
            blocks = Math.max(1, Math.min(vecs, (threads + m - 1) / m));
        }
        int nb = blocks;
        int width = ((d + L - 1) / L + nb - 1) / nb * L;
        int tasks = m * nb;
        int grain = work >= 2L * GRAIN ? 1 : tasks;
        Parallel.range(tasks, grain, (from, end) -> {
            for (int task = from; task < end; task++) {
                int mi = task / nb, c0 = (task % nb) * width, c1 = Math.min(d, c0 + width);
                if (c0 >= c1) continue;
                long tBase = to + (long) mi * vocab * d + c0, gBase = go + (long) mi * n * d + c0;
                for (int ni = 0; ni < n; ni++) {
                    int v = ix[shared ? ni : mi * n + ni];
                    addRow(ts, tBase + (long) v * d, gs, gBase + (long) ni * d, c1 - c0);
                }
            }
        });
        return true;
    }

    private static void addRow(MemorySegment ts, long to, MemorySegment gs, long go, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector t = FloatVector.fromMemorySegment(S, ts, (to + i) << 2, ORDER);
            t.add(FloatVector.fromMemorySegment(S, gs, (go + i) << 2, ORDER)).intoMemorySegment(ts, (to + i) << 2, ORDER);
        }
        for (; i < n; i++) set(ts, to + i, get(ts, to + i) + get(gs, go + i));
    }
}
