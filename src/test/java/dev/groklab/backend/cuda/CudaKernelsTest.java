package dev.groklab.backend.cuda;

import dev.groklab.backend.AdamStep;
import dev.groklab.backend.Binary;
import dev.groklab.backend.ScalarOp;
import dev.groklab.backend.SgdStep;
import dev.groklab.backend.Unary;
import dev.groklab.tensor.DType;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import dev.groklab.testing.Check;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;

import static dev.groklab.backend.cuda.CudaTests.REF;
import static dev.groklab.backend.cuda.CudaTests.close;
import static dev.groklab.backend.cuda.CudaTests.identical;
import static dev.groklab.backend.cuda.CudaTests.up;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every CUDA kernel against the scalar reference on random odd shapes and strided views,
 * through both driver bindings. fp32 kernels: relative error ≤ 1e-4 of the output's scale;
 * TF32 matmul: ≤ 5e-3 (operands keep 10 mantissa bits, products accumulate in fp32).
 */
@Tag("gpu")
class CudaKernelsTest {
    private static final double RTOL = 1e-4, RTOL_TF32 = 5e-3;

    /** The same view of a CPU tensor and of its device copy. */
    private record Both(Tensor cpu, Tensor gpu) {
        Both view(UnaryOperator<Tensor> f) { return new Both(f.apply(cpu), f.apply(gpu)); }
    }

    private static Both randn(CudaBackend g, Random r, int... shape) {
        Tensor c = Check.randn(REF, r, shape);
        return new Both(c, up(g, c));
    }

    private static Both uniform(CudaBackend g, Random r, double lo, double hi, int... shape) {
        Tensor c = Check.uniform(REF, r, lo, hi, shape);
        return new Both(c, up(g, c));
    }

    private static Both randint(CudaBackend g, Random r, int bound, int... shape) {
        Tensor c = Check.randint(REF, r, bound, shape);
        return new Both(c, up(g, c));
    }

    private static Both empty(CudaBackend g, DType t, int... shape) {
        return new Both(REF.empty(t, shape), g.empty(t, shape));
    }

    // ---- memory -----------------------------------------------------------------------------------

    @ParameterizedTest @MethodSource("dev.groklab.backend.cuda.CudaTests#drivers")
    void fillAndCopyRoundTrips(String driver) {
        CudaBackend g = CudaTests.backend(driver);
        Random r = Check.rng();
        try (Scope s = Scope.open()) {
            for (DType t : DType.values()) {
                Tensor d = g.empty(t, 3, 5, 7);
                g.fill(d, t == DType.I32 ? -7 : 2.5);
                Tensor e = REF.empty(t, 3, 5, 7);
                REF.fill(e, t == DType.I32 ? -7 : 2.5);
                identical("fill " + t, e, g.toHost(d));
            }
            // Host → device → host, all dtypes, and a strided host source.
            Both x = randn(g, r, 7, 9, 11);
            identical("round trip", x.cpu(), g.toHost(x.gpu()));
            Tensor strided = x.cpu().permute(2, 0, 1);
            Tensor onDevice = up(g, strided);
            identical("strided upload", REF.toHost(strided), g.toHost(onDevice));
            int[] ints = {3, -1, 7, 0, 2147483647};
            assertArrayEquals(ints, g.toHost(g.fromHost(ints, 5)).toIntArray());
            double[] doubles = {1e-300, -2.5, Math.PI};
            assertArrayEquals(doubles, g.toHost(g.fromHost(doubles, 3)).toDoubleArray());
            // Device → host into a strided CPU view.
            Tensor hostDst = REF.empty(DType.F32, 11, 7, 9);
            Tensor hostView = hostDst.permute(1, 2, 0);
            g.copy(x.gpu(), hostView);
            identical("download into a view", x.cpu(), REF.toHost(hostView));
            // Fill of a strided device view touches only the view.
            Both base = randn(g, r, 6, 10);
            Both sl = base.view(t -> t.slice(1, 3, 8));
            REF.fill(sl.cpu(), -1);
            g.fill(sl.gpu(), -1);
            identical("strided fill", base.cpu(), g.toHost(base.gpu()));
        }
    }

    @ParameterizedTest @MethodSource("dev.groklab.backend.cuda.CudaTests#drivers")
    void stridedCopiesAndConversions(String driver) {
        CudaBackend g = CudaTests.backend(driver);
        Random r = Check.rng();
        try (Scope s = Scope.open()) {
            for (int it = 0; it < 6; it++) {
                int a = Check.odd(r, 1, 9), b = Check.odd(r, 1, 7), c = Check.odd(r, 1, 5), d = Check.odd(r, 1, 7), e = Check.odd(r, 1, 5);
                Both x = randn(g, r, a, b, c, d, e);
                Both p = x.view(t -> t.permute(4, 2, 0, 3, 1));
                Both out = empty(g, DType.F32, p.cpu().shape());
                REF.copy(p.cpu(), out.cpu());
                g.copy(p.gpu(), out.gpu());
                identical("rank-5 permute copy", out.cpu(), g.toHost(out.gpu()));
                // Into a slice (strided destination) and an expand (stride-0 source).
                Both dst = randn(g, r, a + 2, b);
                Both src = randn(g, r, a, 1).view(t -> t.expand(a, b));
                REF.copy(src.cpu(), dst.cpu().slice(0, 1, a + 1));
                g.copy(src.gpu(), dst.gpu().slice(0, 1, a + 1));
                identical("copy into a slice", dst.cpu(), g.toHost(dst.gpu()));
            }
            // Dtype conversions on the device, every pair.
            Both x = uniform(g, r, -50, 50, 5, 13);
            for (DType from : DType.values()) {
                Tensor srcC = REF.empty(from, 5, 13), srcG = g.empty(from, 5, 13);
                REF.copy(x.cpu(), srcC);
                g.copy(x.gpu(), srcG);
                for (DType to : DType.values()) {
                    Tensor dc = REF.empty(to, 13, 5), dg = g.empty(to, 13, 5);
                    REF.copy(srcC.transpose(0, 1), dc);
                    g.copy(srcG.transpose(0, 1), dg);
                    identical("copy " + from + " → " + to, dc, g.toHost(dg));
                }
            }
        }
    }

    // ---- elementwise --------------------------------------------------------------------------------

    private static Both domain(CudaBackend g, Random r, Unary op, int... shape) {
        return switch (op) {
            case LOG, SQRT -> uniform(g, r, 0.1, 3, shape);
            default -> randn(g, r, shape);
        };
    }

    @ParameterizedTest @MethodSource("dev.groklab.backend.cuda.CudaTests#drivers")
    void unaryAndBackward(String driver) {
        CudaBackend g = CudaTests.backend(driver);
        Random r = Check.rng();
        try (Scope s = Scope.open()) {
            for (Unary op : Unary.values()) {
                int a = Check.odd(r, 1, 33), b = Check.odd(r, 1, 301);
                Both x = domain(g, r, op, b, a).view(t -> t.transpose(0, 1));   // strided input
                Both y = empty(g, DType.F32, a, b);
                REF.unary(op, x.cpu(), y.cpu());
                g.unary(op, x.gpu(), y.gpu());
                close("unary " + op, g, y.cpu(), y.gpu(), RTOL);
                Both gy = randn(g, r, a, b), gx = empty(g, DType.F32, a, b);
                REF.unaryBackward(op, x.cpu(), y.cpu(), gy.cpu(), gx.cpu());
                g.unaryBackward(op, x.gpu(), y.gpu(), gy.gpu(), gx.gpu());
                close("unaryBackward " + op, g, gx.cpu(), gx.gpu(), RTOL);
                // In place on a dense tensor.
                Both z = domain(g, r, op, a, b);
                Both expect = empty(g, DType.F32, a, b);
                REF.unary(op, z.cpu(), expect.cpu());
                g.unary(op, z.gpu(), z.gpu());
                close("in-place unary " + op, g, expect.cpu(), z.gpu(), RTOL);
            }
        }
    }

    @ParameterizedTest @MethodSource("dev.groklab.backend.cuda.CudaTests#drivers")
    void scalarAndBinaryWithBroadcasting(String driver) {
        CudaBackend g = CudaTests.backend(driver);
        Random r = Check.rng();
        try (Scope s = Scope.open()) {
            for (ScalarOp op : ScalarOp.values()) {
                Both x = uniform(g, r, 0.2, 2, 17, 29).view(t -> t.slice(1, 3, 26));
                double sv = op == ScalarOp.POW ? 1.7 : -0.37;
                Both y = empty(g, DType.F32, 17, 23);
                REF.scalar(op, x.cpu(), sv, y.cpu());
                g.scalar(op, x.gpu(), sv, y.gpu());
                close("scalar " + op, g, y.cpu(), y.gpu(), RTOL);
            }
            int[][][] shapes = {
                {{5, 1, 7}, {3, 1}, {5, 3, 7}},
                {{1}, {9, 11}, {9, 11}},
                {{4, 3, 1, 5}, {4, 1, 6, 5}, {4, 3, 6, 5}},
                {{257, 33}, {33}, {257, 33}},
                {{1, 1}, {1, 1}, {1, 1}},
            };
            for (Binary op : Binary.values()) {
                for (int[][] sh : shapes) {
                    Both a = randn(g, r, sh[0]);
                    Both b = op == Binary.DIV ? uniform(g, r, 0.5, 2, sh[1]) : randn(g, r, sh[1]);
                    Both out = empty(g, DType.F32, sh[2]);
                    REF.binary(op, a.cpu(), b.cpu(), out.cpu());
                    g.binary(op, a.gpu(), b.gpu(), out.gpu());
                    close("binary " + op + " " + java.util.Arrays.deepToString(sh), g, out.cpu(), out.gpu(), RTOL);
                }
            }
            // In place: acc ← acc + g (the gradient accumulation pattern).
            Both acc = randn(g, r, 31, 17), add = randn(g, r, 17, 31).view(t -> t.transpose(0, 1));
            REF.binary(Binary.ADD, acc.cpu(), add.cpu(), acc.cpu());
            g.binary(Binary.ADD, acc.gpu(), add.gpu(), acc.gpu());
            close("in-place add", g, acc.cpu(), acc.gpu(), RTOL);
        }
    }

    @ParameterizedTest @MethodSource("dev.groklab.backend.cuda.CudaTests#drivers")
    void sumToEveryReduction(String driver) {
        CudaBackend g = CudaTests.backend(driver);
        Random r = Check.rng();
        try (Scope s = Scope.open()) {
            int[][][] cases = {
                {{7, 9, 11}, {1, 9, 1}},
                {{7, 9, 11}, {11}},
                {{7, 9, 11}, {7, 1, 1}},
                {{7, 9, 11}, {1}},
                {{5, 3}, {5, 3}},
                {{30001, 3}, {1, 3}},          // long column sums: split over blocks
                {{3, 70001}, {3, 1}},          // long row sums
                {{2, 5, 4097, 3}, {2, 1, 1, 3}},
                {{64, 1531, 128}, {64, 1, 128}}, // bias gradients of an ensemble
            };
            for (int[][] c : cases) {
                for (boolean acc : new boolean[]{false, true}) {
                    Both x = randn(g, r, c[0]);
                    Both out = randn(g, r, c[1]);
                    REF.sumTo(x.cpu(), out.cpu(), acc);
                    g.sumTo(x.gpu(), out.gpu(), acc);
                    // A sum of k unit normals is ~sqrt(k) but may cancel to near 0: bound each error by
                    // the terms' scale, not the result's.
                    double k = (double) x.cpu().numel() / out.cpu().numel();
                    Check.closeEach("sumTo " + java.util.Arrays.deepToString(c) + (acc ? " acc" : "") + " [" + g + "]",
                            out.cpu(), g.toHost(out.gpu()), 1e-5, Math.sqrt(k) + 1);
                }
            }
            // Strided input.
            Both x = randn(g, r, 13, 21, 5).view(t -> t.permute(2, 0, 1));
            Both out = empty(g, DType.F32, 5, 1, 21);
            REF.sumTo(x.cpu(), out.cpu(), false);
            g.sumTo(x.gpu(), out.gpu(), false);
            close("sumTo strided", g, out.cpu(), out.gpu(), RTOL);
        }
    }

    // ---- matmul -------------------------------------------------------------------------------------

    private static Both matrix(CudaBackend g, Random r, boolean transposed, int... shape) {
        if (!transposed) return randn(g, r, shape);
        int[] t = shape.clone();
        int n = t.length;
        int tmp = t[n - 1]; t[n - 1] = t[n - 2]; t[n - 2] = tmp;
        return randn(g, r, t).view(x -> x.transpose(-1, -2));
    }

    private static void product(CudaBackend g, Random r, String what, int[] as, int[] bs, int[] os, boolean ta, boolean tb,
                                boolean acc, double rtol) {
        Both a = matrix(g, r, ta, as), b = matrix(g, r, tb, bs);
        Both out = randn(g, r, os);
        REF.matmul(a.cpu(), b.cpu(), out.cpu(), acc);
        g.matmul(a.gpu(), b.gpu(), out.gpu(), acc);
        // An output sums k (times the batch, when reducing it) unit-normal products and its initial
        // value; a lone output may cancel far below the terms' scale, which bounds the rounding.
        long terms = (long) as[as.length - 1] * (os.length < as.length ? as[0] : 1);
        close(what + " " + java.util.Arrays.toString(as) + (ta ? "ᵀ" : "") + " x " + java.util.Arrays.toString(bs) + (tb ? "ᵀ" : "")
                + (acc ? " acc" : "") + (g.tf32() ? " tf32" : ""), g, out.cpu(), out.gpu(), rtol, Math.sqrt(terms) + 1);
    }

    @ParameterizedTest @MethodSource("dev.groklab.backend.cuda.CudaTests#drivers")
    void matmulShapesLayoutsAndBatches(String driver) {
        CudaBackend g = CudaTests.backend(driver);
        Random r = Check.rng();
        boolean before = g.tf32();
        try (Scope s = Scope.open()) {
            for (boolean tf : new boolean[]{false, true}) {
                g.setTf32(tf);
                double tol = tf ? RTOL_TF32 : RTOL;
                product(g, r, "1x1", new int[]{1, 1}, new int[]{1, 1}, new int[]{1, 1}, false, false, false, tol);
                for (int it = 0; it < 10; it++) {
                    int n = Check.odd(r, 1, 200), k = Check.odd(r, 1, 300), m = Check.odd(r, 1, 200);
                    product(g, r, "random", new int[]{n, k}, new int[]{k, m}, new int[]{n, m}, r.nextBoolean(), r.nextBoolean(),
                            r.nextBoolean(), tol);
                }
                // Tile edges of both tile sizes; more than one 128-tile per axis.
                product(g, r, "tiles", new int[]{129, 65}, new int[]{65, 257}, new int[]{129, 257}, false, false, false, tol);
                product(g, r, "tiles", new int[]{63, 64}, new int[]{64, 127}, new int[]{63, 127}, true, true, true, tol);
                // Long k: split-K with ordered partial sums.
                product(g, r, "split-k", new int[]{5, 40001}, new int[]{40001, 7}, new int[]{5, 7}, false, false, false, tol);
                product(g, r, "split-k", new int[]{33, 9001}, new int[]{9001, 35}, new int[]{33, 35}, true, false, true, tol);
                // Batched, equal batch axes; shared rank-2 operand on either side.
                product(g, r, "batched", new int[]{3, 5, 37, 29}, new int[]{3, 5, 29, 41}, new int[]{3, 5, 37, 41}, false, true, false, tol);
                product(g, r, "shared b", new int[]{7, 45, 33}, new int[]{33, 19}, new int[]{7, 45, 19}, true, false, true, tol);
                product(g, r, "shared a", new int[]{33, 45}, new int[]{9, 45, 19}, new int[]{9, 33, 19}, false, true, false, tol);
                // reduceBatch: out rank 2 sums the products over the batch (shared-weight gradients).
                product(g, r, "reduce", new int[]{11, 23, 17}, new int[]{11, 17, 13}, new int[]{23, 13}, false, false, false, tol);
                product(g, r, "reduce", new int[]{301, 9, 31}, new int[]{301, 31, 5}, new int[]{9, 5}, true, false, true, tol);
                product(g, r, "reduce", new int[]{2, 3, 4001}, new int[]{2, 4001, 3}, new int[]{3, 3}, false, true, false, tol);
                // A batch axis that is itself strided (a permuted view).
                Both a = randn(g, r, 13, 4, 9).view(t -> t.permute(1, 0, 2));    // [4, 13, 9], batch stride 9
                Both b = randn(g, r, 4, 9, 6);
                Both out = empty(g, DType.F32, 4, 13, 6);
                REF.matmul(a.cpu(), b.cpu(), out.cpu(), false);
                g.matmul(a.gpu(), b.gpu(), out.gpu(), false);
                close("strided batch" + (tf ? " tf32" : ""), g, out.cpu(), out.gpu(), tol);
            }
        } finally {
            g.setTf32(before);
        }
    }

    // ---- rows ---------------------------------------------------------------------------------------

    @ParameterizedTest @MethodSource("dev.groklab.backend.cuda.CudaTests#drivers")
    void softmaxFamily(String driver) {
        CudaBackend g = CudaTests.backend(driver);
        Random r = Check.rng();
        try (Scope s = Scope.open()) {
            for (int c : new int[]{1, 3, 31, 113, 257, 1025}) {
                int rows = Check.odd(r, 1, 77);
                Both x = randn(g, r, 2, rows, c);
                for (boolean log : new boolean[]{false, true}) {
                    Both y = empty(g, DType.F32, 2, rows, c);
                    if (log) { REF.logSoftmax(x.cpu(), y.cpu()); g.logSoftmax(x.gpu(), y.gpu()); }
                    else { REF.softmax(x.cpu(), y.cpu()); g.softmax(x.gpu(), y.gpu()); }
                    close((log ? "logSoftmax" : "softmax") + " C=" + c, g, y.cpu(), y.gpu(), RTOL);
                    Both gy = randn(g, r, 2, rows, c), gx = empty(g, DType.F32, 2, rows, c);
                    if (log) { REF.logSoftmaxBackward(y.cpu(), gy.cpu(), gx.cpu()); g.logSoftmaxBackward(y.gpu(), gy.gpu(), gx.gpu()); }
                    else { REF.softmaxBackward(y.cpu(), gy.cpu(), gx.cpu()); g.softmaxBackward(y.gpu(), gy.gpu(), gx.gpu()); }
                    close((log ? "logSoftmaxBackward" : "softmaxBackward") + " C=" + c, g, gx.cpu(), gx.gpu(), RTOL);
                }
            }
        }
    }

    @ParameterizedTest @MethodSource("dev.groklab.backend.cuda.CudaTests#drivers")
    void crossEntropyForwardBackward(String driver) {
        CudaBackend g = CudaTests.backend(driver);
        Random r = Check.rng();
        try (Scope s = Scope.open()) {
            for (int it = 0; it < 6; it++) {
                int c = Check.odd(r, 1, 301), t = Check.odd(r, 1, 41), models = 1 + r.nextInt(4), rows = models * t;
                Both logits = randn(g, r, rows, c);
                Both targets = randint(g, r, c, t);
                Both loss = empty(g, DType.F32, rows), lse = empty(g, DType.F32, rows);
                REF.crossEntropy(logits.cpu(), targets.cpu(), loss.cpu(), lse.cpu());
                g.crossEntropy(logits.gpu(), targets.gpu(), loss.gpu(), lse.gpu());
                close("crossEntropy loss C=" + c, g, loss.cpu(), loss.gpu(), RTOL);
                close("crossEntropy lse C=" + c, g, lse.cpu(), lse.gpu(), RTOL);
                Both gl = randn(g, r, rows), grad = empty(g, DType.F32, rows, c);
                REF.crossEntropyBackward(logits.cpu(), targets.cpu(), lse.cpu(), gl.cpu(), grad.cpu());
                g.crossEntropyBackward(logits.gpu(), targets.gpu(), lse.gpu(), gl.gpu(), grad.gpu());
                close("crossEntropyBackward C=" + c, g, grad.cpu(), grad.gpu(), RTOL);
            }
            // A target outside [0, C) is reported at the next synchronization.
            Tensor logits = g.fromHost(new float[]{1, 2, 3, 4, 5, 6}, 2, 3);
            Tensor targets = g.fromHost(new int[]{1, 3}, 2);
            Tensor loss = g.empty(DType.F32, 2), lse = g.empty(DType.F32, 2);
            g.crossEntropy(logits, targets, loss, lse);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, g::synchronize);
            assertTrue(e.getMessage().contains("target 3 outside [0, 3)"), e.getMessage());
            g.synchronize();   // the error word is cleared once reported
        }
    }

    @ParameterizedTest @MethodSource("dev.groklab.backend.cuda.CudaTests#drivers")
    void layerNormForwardBackward(String driver) {
        CudaBackend g = CudaTests.backend(driver);
        Random r = Check.rng();
        try (Scope s = Scope.open()) {
            int[][] cases = {{1, 7, 33}, {3, 5, 128}, {2, 11, 1}, {4, 9001, 31}, {1, 20001, 128}};
            for (int[] c : cases) {
                int groups = c[0], per = c[1], cols = c[2], rows = groups * per;
                Both x = randn(g, r, rows, cols), gamma = randn(g, r, groups, cols), beta = randn(g, r, groups, cols);
                Both out = empty(g, DType.F32, rows, cols), mean = empty(g, DType.F32, rows), rstd = empty(g, DType.F32, rows);
                REF.layerNorm(x.cpu(), gamma.cpu(), beta.cpu(), 1e-5, out.cpu(), mean.cpu(), rstd.cpu());
                g.layerNorm(x.gpu(), gamma.gpu(), beta.gpu(), 1e-5, out.gpu(), mean.gpu(), rstd.gpu());
                String what = "layerNorm G=" + groups + " rows=" + rows + " C=" + cols;
                close(what + " out", g, out.cpu(), out.gpu(), RTOL);
                close(what + " mean", g, mean.cpu(), mean.gpu(), RTOL);
                close(what + " rstd", g, rstd.cpu(), rstd.gpu(), RTOL);
                Both gy = randn(g, r, rows, cols), gx = empty(g, DType.F32, rows, cols);
                Both gg = randn(g, r, groups, cols), gb = randn(g, r, groups, cols);   // accumulated into
                REF.layerNormBackward(x.cpu(), gamma.cpu(), mean.cpu(), rstd.cpu(), gy.cpu(), gx.cpu(), gg.cpu(), gb.cpu());
                g.layerNormBackward(x.gpu(), gamma.gpu(), mean.gpu(), rstd.gpu(), gy.gpu(), gx.gpu(), gg.gpu(), gb.gpu());
                close(what + " gx", g, gx.cpu(), gx.gpu(), RTOL);
                close(what + " gGamma", g, gg.cpu(), gg.gpu(), RTOL);
                close(what + " gBeta", g, gb.cpu(), gb.gpu(), RTOL);
            }
        }
    }

    // ---- attention ----------------------------------------------------------------------------------

    /** One query per row over T keys (the read-out position), odd shapes and every head-size kernel, against the reference. */
    @ParameterizedTest @MethodSource("dev.groklab.backend.cuda.CudaTests#drivers")
    void lastQueryAttentionForwardBackward(String driver) {
        CudaBackend g = CudaTests.backend(driver);
        Random r = Check.rng();
        try (Scope s = Scope.open()) {
            int[][] cases = {{1, 1, 1, 1}, {37, 3, 4, 32}, {29, 5, 3, 17}, {5, 2, 7, 64}, {3, 4, 2, 100}, {2, 3, 1, 256}, {513, 3, 4, 32}};
            // Unit-scale terms: outputs of one or a few of them (n = h = 1, t = 1) are judged at that scale.
            for (int[] c : cases) {
                int n = c[0], t = c[1], h = c[2], d = c[3];
                String what = "lastQueryAttention n=" + n + " t=" + t + " h=" + h + " d=" + d;
                Both q = randn(g, r, n, h, d), k = randn(g, r, n, t, h, d), v = randn(g, r, n, t, h, d);
                Both out = empty(g, DType.F32, n, h, d), p = empty(g, DType.F32, n, h, t);
                REF.lastQueryAttention(q.cpu(), k.cpu(), v.cpu(), out.cpu(), p.cpu());
                g.lastQueryAttention(q.gpu(), k.gpu(), v.gpu(), out.gpu(), p.gpu());
                close(what + " out", g, out.cpu(), out.gpu(), RTOL, 1);
                close(what + " p", g, p.cpu(), p.gpu(), RTOL, 1);
                Both go = randn(g, r, n, h, d), gq = empty(g, DType.F32, n, h, d);
                Both gk = empty(g, DType.F32, n, t, h, d), gv = empty(g, DType.F32, n, t, h, d);
                REF.lastQueryAttentionBackward(q.cpu(), k.cpu(), v.cpu(), p.cpu(), go.cpu(), gq.cpu(), gk.cpu(), gv.cpu());
                g.lastQueryAttentionBackward(q.gpu(), k.gpu(), v.gpu(), p.gpu(), go.gpu(), gq.gpu(), gk.gpu(), gv.gpu());
                close(what + " gq", g, gq.cpu(), gq.gpu(), RTOL, 1);
                close(what + " gk", g, gk.cpu(), gk.gpu(), RTOL, 1);
                close(what + " gv", g, gv.cpu(), gv.gpu(), RTOL, 1);
            }
        }
    }

    @ParameterizedTest @MethodSource("dev.groklab.backend.cuda.CudaTests#drivers")
    void attentionForwardBackward(String driver) {
        CudaBackend g = CudaTests.backend(driver);
        Random r = Check.rng();
        try (Scope s = Scope.open()) {
            int[][] cases = {{1, 1, 1}, {37, 3, 32}, {29, 4, 32}, {5, 9, 17}, {3, 17, 64}, {2, 5, 100}, {3, 6, 256}, {513, 3, 32}};
            for (int[] c : cases) {
                for (boolean causal : new boolean[]{true, false}) {
                    int b = c[0], t = c[1], d = c[2];
                    Both q = randn(g, r, b, t, d), k = randn(g, r, b, t, d), v = randn(g, r, b, t, d);
                    Both out = empty(g, DType.F32, b, t, d), lse = empty(g, DType.F32, b, t);
                    REF.attention(q.cpu(), k.cpu(), v.cpu(), causal, out.cpu(), lse.cpu());
                    g.attention(q.gpu(), k.gpu(), v.gpu(), causal, out.gpu(), lse.gpu());
                    String what = "attention B=" + b + " T=" + t + " D=" + d + (causal ? " causal" : "");
                    close(what + " out", g, out.cpu(), out.gpu(), RTOL, 1);
                    close(what + " lse", g, lse.cpu(), lse.gpu(), RTOL, 1);
                    Both go = randn(g, r, b, t, d);
                    Both gq = empty(g, DType.F32, b, t, d), gk = empty(g, DType.F32, b, t, d), gv = empty(g, DType.F32, b, t, d);
                    REF.attentionBackward(q.cpu(), k.cpu(), v.cpu(), causal, out.cpu(), lse.cpu(), go.cpu(), gq.cpu(), gk.cpu(), gv.cpu());
                    g.attentionBackward(q.gpu(), k.gpu(), v.gpu(), causal, out.gpu(), lse.gpu(), go.gpu(), gq.gpu(), gk.gpu(), gv.gpu());
                    close(what + " gq", g, gq.cpu(), gq.gpu(), RTOL, 1);
                    close(what + " gk", g, gk.cpu(), gk.gpu(), RTOL, 1);
                    close(what + " gv", g, gv.cpu(), gv.gpu(), RTOL, 1);
                }
            }
        }
    }

    // ---- embeddings ---------------------------------------------------------------------------------

    @ParameterizedTest @MethodSource("dev.groklab.backend.cuda.CudaTests#drivers")
    void gatherAndDeterministicScatterAdd(String driver) {
        CudaBackend g = CudaTests.backend(driver);
        Random r = Check.rng();
        try (Scope s = Scope.open()) {
            int[][] cases = {{1, 5, 7, 3}, {3, 11, 33, 40}, {2, 114, 128, 3001}, {4, 3, 1, 2049}, {5, 1000, 31, 17}};
            for (int[] c : cases) {
                int m = c[0], vocab = c[1], d = c[2], n = c[3];
                for (boolean perModel : new boolean[]{false, true}) {
                    Both table = randn(g, r, m, vocab, d);
                    // Skewed indices: many repeats of a few rows, as the '=' token of the grokking data.
                    int[] ix = new int[perModel ? m * n : n];
                    for (int i = 0; i < ix.length; i++) ix[i] = r.nextInt(4) == 0 ? vocab - 1 : r.nextInt(vocab);
                    Tensor ic = perModel ? REF.fromHost(ix, m, n) : REF.fromHost(ix, n);
                    Both idx = new Both(ic, up(g, ic));
                    Both out = empty(g, DType.F32, m, n, d);
                    REF.gather(table.cpu(), idx.cpu(), out.cpu());
                    g.gather(table.gpu(), idx.gpu(), out.gpu());
                    String what = "M=" + m + " V=" + vocab + " D=" + d + " N=" + n + (perModel ? " per-model" : " shared");
                    close("gather " + what, g, out.cpu(), out.gpu(), RTOL);
                    Both go = randn(g, r, m, n, d), gt = randn(g, r, m, vocab, d);
                    Tensor gt2 = g.empty(DType.F32, m, vocab, d);
                    g.copy(gt.gpu(), gt2);
                    REF.scatterAdd(go.cpu(), idx.cpu(), gt.cpu());
                    g.scatterAdd(go.gpu(), idx.gpu(), gt.gpu());
                    close("scatterAdd " + what, g, gt.cpu(), gt.gpu(), RTOL);
                    g.scatterAdd(go.gpu(), idx.gpu(), gt2);
                    identical("scatterAdd is deterministic " + what, g.toHost(gt.gpu()), g.toHost(gt2));
                }
            }
            Tensor table = g.fromHost(new float[]{1, 2, 3, 4}, 1, 2, 2);
            Tensor bad = g.fromHost(new int[]{0, 2}, 2);
            Tensor out = g.empty(DType.F32, 1, 2, 2);
            g.gather(table, bad, out);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.toHost(out));
            assertTrue(e.getMessage().contains("gather: index 2 outside [0, 2)"), e.getMessage());
        }
    }

    // ---- optimizer ----------------------------------------------------------------------------------

    @ParameterizedTest @MethodSource("dev.groklab.backend.cuda.CudaTests#drivers")
    void fusedOptimizerSteps(String driver) {
        CudaBackend g = CudaTests.backend(driver);
        Random r = Check.rng();
        try (Scope s = Scope.open()) {
            int models = 3;
            int[] shape = {models, 37, 11};
            float[] lr = {1e-3f, 3e-3f, 1e-2f}, wd = {0f, 0.1f, 1f};
            for (boolean toInit : new boolean[]{false, true}) {
                Both p = randn(g, r, shape), m = randn(g, r, shape), v = uniform(g, r, 0.01, 1, shape);
                Both target = toInit ? randn(g, r, shape) : new Both(null, null);
                for (int step = 1; step <= 3; step++) {
                    Both grad = randn(g, r, shape);
                    AdamStep h = new AdamStep(lr, wd, 0.9f, 0.98f, 1e-8f, step);
                    REF.adamw(p.cpu(), grad.cpu(), m.cpu(), v.cpu(), target.cpu(), h);
                    g.adamw(p.gpu(), grad.gpu(), m.gpu(), v.gpu(), target.gpu(), h);
                }
                close("adamw p" + (toInit ? " to init" : ""), g, p.cpu(), p.gpu(), RTOL);
                close("adamw m", g, m.cpu(), m.gpu(), RTOL);
                close("adamw v", g, v.cpu(), v.gpu(), RTOL);
            }
            for (float momentum : new float[]{0f, 0.9f}) {
                for (boolean nesterov : new boolean[]{false, true}) {
                    if (momentum == 0 && nesterov) continue;
                    Both p = randn(g, r, shape), buf = randn(g, r, shape), target = randn(g, r, shape);
                    for (int step = 1; step <= 3; step++) {
                        Both grad = randn(g, r, shape);
                        SgdStep h = new SgdStep(lr, wd, momentum, 0.1f, nesterov, step);
                        REF.sgd(p.cpu(), grad.cpu(), buf.cpu(), target.cpu(), h);
                        g.sgd(p.gpu(), grad.gpu(), buf.gpu(), target.gpu(), h);
                    }
                    close("sgd p momentum=" + momentum + " nesterov=" + nesterov, g, p.cpu(), p.gpu(), RTOL);
                    if (momentum != 0) close("sgd buf", g, buf.cpu(), buf.gpu(), RTOL);
                }
            }
            // Every parameter of a model in one launch: odd shapes, one without a decay target, one
            // with a transposed (strided) gradient, against the reference parameter by parameter.
            int[][] shapes = {{models, 37, 11}, {models, 1, 13}, {models, 5}, {models, 0, 4}, {models, 29, 3}};
            for (int step = 1; step <= 3; step++) {
                // Fresh tensors each step are fine: the kernels keep no state of their own.
                List<AdamStep.Slot> slots = new ArrayList<>();
                List<Both[]> adam = new ArrayList<>();
                List<SgdStep.Slot> sgdSlots = new ArrayList<>();
                List<Both[]> sgd = new ArrayList<>();
                AdamStep ha = new AdamStep(lr, wd, 0.9f, 0.98f, 1e-8f, step);
                SgdStep hs = new SgdStep(lr, wd, 0.9f, 0.1f, step == 2, step);
                for (int k = 0; k < shapes.length; k++) {
                    int[] sh = shapes[k];
                    Both p = randn(g, r, sh), m = randn(g, r, sh), v = uniform(g, r, 0.01, 1, sh), grad = randn(g, r, sh);
                    Both target = k == 2 ? new Both(null, null) : randn(g, r, sh);
                    if (k == 4) {
                        Both t = randn(g, r, models, 3, 29);
                        grad = new Both(t.cpu().transpose(1, 2), t.gpu().transpose(1, 2));
                    }
                    REF.adamw(p.cpu(), grad.cpu(), m.cpu(), v.cpu(), target.cpu(), ha);
                    slots.add(new AdamStep.Slot(p.gpu(), grad.gpu(), m.gpu(), v.gpu(), target.gpu()));
                    adam.add(new Both[]{p, m, v});
                    Both q = randn(g, r, sh), buf = randn(g, r, sh);
                    REF.sgd(q.cpu(), grad.cpu(), buf.cpu(), target.cpu(), hs);
                    sgdSlots.add(new SgdStep.Slot(q.gpu(), grad.gpu(), buf.gpu(), target.gpu()));
                    sgd.add(new Both[]{q, buf});
                }
                g.adamw(slots, ha);
                g.sgd(sgdSlots, hs);
                for (int k = 0; k < shapes.length; k++) {
                    String at = " of parameter " + k + " " + Arrays.toString(shapes[k]) + " at step " + step;
                    close("adamw (all parameters) p" + at, g, adam.get(k)[0].cpu(), adam.get(k)[0].gpu(), RTOL);
                    close("adamw (all parameters) m" + at, g, adam.get(k)[1].cpu(), adam.get(k)[1].gpu(), RTOL);
                    close("adamw (all parameters) v" + at, g, adam.get(k)[2].cpu(), adam.get(k)[2].gpu(), RTOL);
                    close("sgd (all parameters) p" + at, g, sgd.get(k)[0].cpu(), sgd.get(k)[0].gpu(), RTOL);
                    close("sgd (all parameters) buf" + at, g, sgd.get(k)[1].cpu(), sgd.get(k)[1].gpu(), RTOL);
                }
            }
        }
    }

    // ---- randomness ---------------------------------------------------------------------------------

    @ParameterizedTest @MethodSource("dev.groklab.backend.cuda.CudaTests#drivers")
    void dropoutMaskIsBitIdenticalToTheCpu(String driver) {
        CudaBackend g = CudaTests.backend(driver);
        try (Scope s = Scope.open()) {
            int[][] shapes = {{1}, {3}, {7, 5}, {4, 1001, 3}};
            for (int[] shape : shapes) {
                for (double p : new double[]{0, 0.1, 0.5, 0.9}) {
                    for (long counter : new long[]{0, 1, 123456789012L}) {
                        Tensor c = REF.empty(DType.F32, shape), d = g.empty(DType.F32, shape);
                        REF.dropoutMask(42, 3, counter, p, c);
                        g.dropoutMask(42, 3, counter, p, d);
                        identical("dropout p=" + p + " counter=" + counter + " " + java.util.Arrays.toString(shape), c, g.toHost(d));
                    }
                }
            }
        }
    }

    @ParameterizedTest @MethodSource("dev.groklab.backend.cuda.CudaTests#drivers")
    void memoryIsReusedAcrossSteps(String driver) {
        CudaBackend g = CudaTests.backend(driver);
        Random r = Check.rng();
        Tensor w = g.fromHost(new float[64 * 64], 64, 64);
        long before = 0;
        for (int step = 0; step < 50; step++) {
            try (Scope s = Scope.open()) {
                Tensor x = Check.randn(g, r, 128, 64), y = g.empty(DType.F32, 128, 64);
                g.matmul(x, w, y, false);
                g.unary(Unary.RELU, y, y);
                g.toHost(y);
            }
            if (step == 1) before = g.reservedBytes();
        }
        assertEquals(before, g.reservedBytes(), "device memory grew across identical steps");
    }
}
