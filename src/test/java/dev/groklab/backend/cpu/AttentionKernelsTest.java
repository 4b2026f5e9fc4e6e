package dev.groklab.backend.cpu;

import dev.groklab.tensor.DType;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import dev.groklab.testing.Check;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.groklab.backend.cpu.AttentionKernels.SMALL;
import static dev.groklab.backend.cpu.AttentionKernels.TILED;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class AttentionKernelsTest {
    private static final ReferenceBackend REF = new ReferenceBackend();
    private static final CpuBackend CPU = new CpuBackend();
    private static final double RTOL = 1e-4;

    private static final int[] TS = {1, 2, 3, 5, 17, 33};
    private static final int[] DS = {1, 7, 31, 33};

    /** Every shape, both masks, through the backend (automatic path) and each path forced. */
    @Test void matchesReference() {
        Random r = Check.rng();
        for (int t : TS) {
            for (int d : DS) {
                for (boolean causal : new boolean[]{false, true}) {
                    try (Scope ignored = Scope.open()) {
                        compare(r, Check.odd(r, 1, 9), t, d, causal, false);
                    }
                }
            }
        }
    }

    /** q, k, v, out as slices of larger storages: non-zero offsets, shared storage. */
    @Test void offsetViews() {
        Random r = Check.rng();
        for (int t : new int[]{3, 33}) {
            try (Scope ignored = Scope.open()) {
                compare(r, Check.odd(r, 1, 9), t, 31, true, true);
            }
        }
    }

    /**
     * The short-sequence path folds lane sums eight sequences at a time in a full group and one
     * at a time otherwise: a sequence must get the same bits either way (and so whatever B is).
     */
    @Test void sameBitsWhateverTheGroup() {
        Random r = Check.rng();
        for (int d : new int[]{7, 32, 33}) {
            for (boolean causal : new boolean[]{false, true}) {
                try (Scope ignored = Scope.open()) {
                    int b = 9, t = 5;
                    Tensor q = Check.randn(CPU, r, b, t, d), k = Check.randn(CPU, r, b, t, d), v = Check.randn(CPU, r, b, t, d);
                    Tensor g = Check.randn(CPU, r, b, t, d);
                    Tensor[] all = run(q, k, v, g, causal);
                    for (int s : new int[]{0, 5, 8}) {
                        Tensor[] one = run(q.slice(0, s, s + 1), k.slice(0, s, s + 1), v.slice(0, s, s + 1), g.slice(0, s, s + 1), causal);
                        for (int x = 0; x < all.length; x++) {
                            float[] whole = all[x].slice(0, s, s + 1).toFloatArray(), alone = one[x].toFloatArray();
                            for (int i = 0; i < whole.length; i++) {
                                if (Float.floatToRawIntBits(whole[i]) != Float.floatToRawIntBits(alone[i])) {
                                    fail("D=" + d + (causal ? " causal" : "") + " sequence " + s + " output " + x + " element " + i
                                            + ": " + whole[i] + " in a group of " + b + ", " + alone[i] + " alone");
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** out, lse, gq, gk, gv of the short-sequence path. */
    private static Tensor[] run(Tensor q, Tensor k, Tensor v, Tensor g, boolean causal) {
        int b = q.dim(0), t = q.dim(1), d = q.dim(2);
        Tensor out = CPU.empty(DType.F32, b, t, d), lse = CPU.empty(DType.F32, b, t);
        Tensor gq = CPU.empty(DType.F32, b, t, d), gk = CPU.empty(DType.F32, b, t, d), gv = CPU.empty(DType.F32, b, t, d);
        assertTrue(AttentionKernels.attention(q, k, v, causal, out, lse, SMALL));
        assertTrue(AttentionKernels.attentionBackward(q, k, v, causal, out, lse, g, gq, gk, gv, SMALL));
        return new Tensor[]{out, lse, gq, gk, gv};
    }

    /** Scores in the hundreds: the max shift keeps exp finite; rows come out nearly one-hot. */
    @Test void largeScores() {
        Random r = Check.rng();
        for (int t : new int[]{5, 33}) {
            for (int path : new int[]{SMALL, TILED}) {
                try (Scope ignored = Scope.open()) {
                    int b = 3, d = 31;
                    float[] big = Check.randn(CPU, r, b, t, d).toFloatArray();
                    for (int i = 0; i < big.length; i++) big[i] *= 60;
                    Tensor q = CPU.fromHost(big, b, t, d), k = Check.randn(CPU, r, b, t, d), v = Check.randn(CPU, r, b, t, d);
                    Tensor outR = CPU.empty(DType.F32, b, t, d), lseR = CPU.empty(DType.F32, b, t);
                    REF.attention(q, k, v, false, outR, lseR);
                    Tensor out = CPU.empty(DType.F32, b, t, d), lse = CPU.empty(DType.F32, b, t);
                    assertTrue(AttentionKernels.attention(q, k, v, false, out, lse, path));
                    Check.close("large scores T=" + t + " path " + path + " out", outR, out, RTOL);
                    Check.close("large scores T=" + t + " path " + path + " lse", lseR, lse, RTOL);
                }
            }
        }
    }

    @Test void nonContiguousFallsBack() {
        Random r = Check.rng();
        try (Scope ignored = Scope.open()) {
            Tensor q = Check.randn(CPU, r, 3, 5, 7).transpose(1, 2);
            Tensor k = Check.randn(CPU, r, 3, 7, 5), v = Check.randn(CPU, r, 3, 7, 5);
            Tensor out = CPU.empty(DType.F32, 3, 7, 5), lse = CPU.empty(DType.F32, 3, 7);
            assertFalse(AttentionKernels.attention(q, k, v, true, out, lse));
            // The backend still answers, through the reference.
            CPU.attention(q, k, v, true, out, lse);
            Tensor out2 = CPU.empty(DType.F32, 3, 7, 5), lse2 = CPU.empty(DType.F32, 3, 7);
            REF.attention(q, k, v, true, out2, lse2);
            Check.close("fallback out", out2, out, RTOL);
        }
    }

    private static void compare(Random r, int b, int t, int d, boolean causal, boolean views) {
        String what = "B=" + b + " T=" + t + " D=" + d + (causal ? " causal" : "") + (views ? " views" : "");
        Tensor q, k, v;
        if (views) {
            Tensor qkv = Check.randn(CPU, r, 3, b, t, d);
            q = qkv.slice(0, 0, 1).reshape(b, t, d);
            k = qkv.slice(0, 1, 2).reshape(b, t, d);
            v = qkv.slice(0, 2, 3).reshape(b, t, d);
        } else {
            q = Check.randn(CPU, r, b, t, d);
            k = Check.randn(CPU, r, b, t, d);
            v = Check.randn(CPU, r, b, t, d);
        }
        Tensor gOut = Check.randn(CPU, r, b, t, d);

        Tensor outR = CPU.empty(DType.F32, b, t, d), lseR = CPU.empty(DType.F32, b, t);
        REF.attention(q, k, v, causal, outR, lseR);
        Tensor gqR = CPU.empty(DType.F32, b, t, d), gkR = CPU.empty(DType.F32, b, t, d), gvR = CPU.empty(DType.F32, b, t, d);
        REF.attentionBackward(q, k, v, causal, outR, lseR, gOut, gqR, gkR, gvR);

        for (int path : new int[]{AttentionKernels.AUTO, SMALL, TILED}) {
            String at = what + " path " + path;
            Tensor out, lse, gq, gk, gv;
            if (views) {
                // Outputs carved out of one storage at offsets, dirty beforehand: everything must be written.
                Tensor big = Check.randn(CPU, r, 6, b, t, d), stats = Check.randn(CPU, r, 2, b, t);
                out = big.slice(0, 1, 2).reshape(b, t, d);
                gq = big.slice(0, 2, 3).reshape(b, t, d);
                gk = big.slice(0, 3, 4).reshape(b, t, d);
                gv = big.slice(0, 5, 6).reshape(b, t, d);
                lse = stats.slice(0, 1, 2).reshape(b, t);
            } else {
                out = Check.randn(CPU, r, b, t, d);
                lse = Check.randn(CPU, r, b, t);
                gq = Check.randn(CPU, r, b, t, d);
                gk = Check.randn(CPU, r, b, t, d);
                gv = Check.randn(CPU, r, b, t, d);
            }
            if (path == AttentionKernels.AUTO) {
                CPU.attention(q, k, v, causal, out, lse);
                CPU.attentionBackward(q, k, v, causal, outR, lseR, gOut, gq, gk, gv);
            } else {
                assertTrue(AttentionKernels.attention(q, k, v, causal, out, lse, path), at);
                assertTrue(AttentionKernels.attentionBackward(q, k, v, causal, outR, lseR, gOut, gq, gk, gv, path), at);
            }
            // Unit-scale terms: with one row and one key, lse is a lone q·k/√d that may land near 0.
            Check.close(at + " out", outR, out, RTOL, 1);
            Check.close(at + " lse", lseR, lse, RTOL, 1);
            // With one visible key (T = 1) gq and gk vanish exactly: Σ_j p_ij (dp_ij − D_i) = 0.
            // They are then checked against the scale of the other gradient, not against zero.
            closeOrVanishing(at + " gq", gqR, gq, gvR);
            closeOrVanishing(at + " gk", gkR, gk, gvR);
            Check.close(at + " gv", gvR, gv, RTOL, 1);
        }
    }

    private static void closeOrVanishing(String what, Tensor expected, Tensor actual, Tensor sibling) {
        double scale = maxAbs(sibling);
        if (maxAbs(expected) > 1e-6 * scale) {
            // Relative to at least a hundredth of the sibling's scale: a gradient that nearly
            // cancels (D = 1, T = 2 gives values near 1e-6 of it) still carries the float32
            // rounding of the full-size terms it sums.
            double bound = RTOL * Math.max(maxAbs(expected), 1e-2 * scale);
            for (int i = 0, n = expected.numel(); i < n; i++) {
                double e = expected.getDouble(i), a = actual.getDouble(i);
                if (!(Math.abs(a - e) <= bound)) {
                    fail(String.format("%s: at %d got %.8g expected %.8g (bound %.3g, max |expected| %.3g, sibling scale %.3g)",
                            what, i, a, e, bound, maxAbs(expected), scale));
                }
            }
        } else if (!(maxAbs(actual) <= RTOL * scale)) {
            fail(what + ": expected ~0, got max |x| = " + maxAbs(actual) + " (scale " + scale + ")");
        }
    }

    private static double maxAbs(Tensor x) {
        double m = 0;
        for (int i = 0, n = x.numel(); i < n; i++) m = Math.max(m, Math.abs(x.getDouble(i)));
        return m;
    }

    /**
     * The float64 reference backward and both float32 paths against central differences of the
     * float64 reference forward, for the loss Σ out·W (so gOut = W).
     */
    @Test void backwardMatchesFiniteDifferences() {
        Random r = Check.rng();
        int b = 2, t = 3, d = 5;
        for (boolean causal : new boolean[]{false, true}) {
            try (Scope ignored = Scope.open()) {
                Tensor q = Check.randnF64(REF, r, b, t, d), k = Check.randnF64(REF, r, b, t, d), v = Check.randnF64(REF, r, b, t, d);
                Tensor w = Check.randnF64(REF, r, b, t, d);
                Tensor[] in = {q, k, v};
                Tensor[] fd = new Tensor[3];
                double h = 1e-5;
                for (int a = 0; a < 3; a++) {
                    Tensor x = in[a];
                    double[] g = new double[x.numel()];
                    for (int n = 0; n < g.length; n++) {
                        double x0 = x.getDouble(n);
                        x.setDouble(n, x0 + h);
                        double up = loss(q, k, v, w, causal);
                        x.setDouble(n, x0 - h);
                        double dn = loss(q, k, v, w, causal);
                        x.setDouble(n, x0);
                        g[n] = (up - dn) / (2 * h);
                    }
                    fd[a] = REF.fromHost(g, b, t, d);
                }

                Tensor out = REF.empty(DType.F64, b, t, d), lse = REF.empty(DType.F64, b, t);
                REF.attention(q, k, v, causal, out, lse);
                Tensor[] gr = {REF.empty(DType.F64, b, t, d), REF.empty(DType.F64, b, t, d), REF.empty(DType.F64, b, t, d)};
                REF.attentionBackward(q, k, v, causal, out, lse, w, gr[0], gr[1], gr[2]);
                String[] names = {"gq", "gk", "gv"};
                for (int a = 0; a < 3; a++) Check.close("reference " + names[a] + (causal ? " causal" : ""), fd[a], gr[a], 1e-7);

                Tensor q32 = f32(q), k32 = f32(k), v32 = f32(v), w32 = f32(w);
                for (int path : new int[]{SMALL, TILED}) {
                    Tensor o32 = CPU.empty(DType.F32, b, t, d), l32 = CPU.empty(DType.F32, b, t);
                    assertTrue(AttentionKernels.attention(q32, k32, v32, causal, o32, l32, path));
                    Tensor[] g32 = {CPU.empty(DType.F32, b, t, d), CPU.empty(DType.F32, b, t, d), CPU.empty(DType.F32, b, t, d)};
                    assertTrue(AttentionKernels.attentionBackward(q32, k32, v32, causal, o32, l32, w32, g32[0], g32[1], g32[2], path));
                    for (int a = 0; a < 3; a++) {
                        Check.close("path " + path + " " + names[a] + (causal ? " causal" : ""), fd[a], g32[a], RTOL);
                    }
                }
            }
        }
    }

    private static double loss(Tensor q, Tensor k, Tensor v, Tensor w, boolean causal) {
        int b = q.dim(0), t = q.dim(1), d = q.dim(2);
        try (Scope ignored = Scope.open()) {
            Tensor out = REF.empty(DType.F64, b, t, d), lse = REF.empty(DType.F64, b, t);
            REF.attention(q, k, v, causal, out, lse);
            double s = 0;
            for (int n = 0; n < out.numel(); n++) s += out.getDouble(n) * w.getDouble(n);
            if (!Double.isFinite(s)) fail("loss not finite");
            return s;
        }
    }

    private static Tensor f32(Tensor x) {
        double[] a = x.toDoubleArray();
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) f[i] = (float) a[i];
        return CPU.fromHost(f, x.shape());
    }
}
