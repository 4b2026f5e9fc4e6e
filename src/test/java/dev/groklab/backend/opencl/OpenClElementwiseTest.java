package dev.groklab.backend.opencl;

import dev.groklab.backend.Binary;
import dev.groklab.backend.ScalarOp;
import dev.groklab.backend.Unary;
import dev.groklab.tensor.DType;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import dev.groklab.testing.Check;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static dev.groklab.backend.opencl.OpenClTesting.REF;
import static dev.groklab.backend.opencl.OpenClTesting.up;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** fill, copy, unary, scalar, binary and sumTo against the reference on odd shapes and views. */
class OpenClElementwiseTest {
    private static OpenClBackend ocl;
    private static final double RTOL = 1e-5;

    @BeforeAll static void open() { ocl = OpenClTesting.backend(); }

    private static String at(String what, long seed) { return what + " (seed " + seed + ")"; }

    @Test void fillAndCopyAcrossLayoutsAndDevices() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        try (Scope s = Scope.open()) {
            for (int[] shape : new int[][]{{1}, {7}, {3, 17}, {33, 65}, {2, 3, 7, 5}, {}}) {
                Tensor h = Check.randn(REF, r, shape);
                Tensor d = up(ocl, h);
                Check.close(at("round trip " + Arrays.toString(shape), seed), h, ocl.toHost(d), 0);
                ocl.fill(d, 2.5);
                REF.fill(h, 2.5);
                Check.close(at("fill " + Arrays.toString(shape), seed), h, ocl.toHost(d), 0);
            }
            // transposed and permuted views to dense, on the device
            Tensor h = Check.randn(REF, r, 17, 33), d = up(ocl, h);
            Tensor e = REF.empty(DType.F32, 33, 17), a = ocl.empty(DType.F32, 33, 17);
            REF.copy(h.transpose(0, 1), e);
            ocl.copy(d.transpose(0, 1), a);
            Check.close(at("copy transposed", seed), e, ocl.toHost(a), 0);
            Tensor h4 = Check.randn(REF, r, 3, 7, 5, 9), d4 = up(ocl, h4);
            Tensor v = h4.permute(2, 0, 3, 1).slice(2, 1, 8), dv = d4.permute(2, 0, 3, 1).slice(2, 1, 8);
            e = REF.empty(DType.F32, v.shape());
            a = ocl.empty(DType.F32, v.shape());
            REF.copy(v, e);
            ocl.copy(dv, a);
            Check.close(at("copy permuted slice", seed), e, ocl.toHost(a), 0);
            // dense into a strided destination (a slice of a larger tensor), on the device
            Tensor bigH = Check.randn(REF, r, 7, 65), bigD = up(ocl, bigH);
            Tensor src = Check.randn(REF, r, 7, 17), srcD = up(ocl, src);
            REF.copy(src, bigH.slice(1, 3, 20));
            ocl.copy(srcD, bigD.slice(1, 3, 20));
            Check.close(at("copy into slice", seed), bigH, ocl.toHost(bigD), 0);
            // device view to a strided CPU destination, and a strided CPU view into a strided device one
            Tensor cpuT = REF.empty(DType.F32, 33, 17);
            ocl.copy(d.transpose(0, 1), cpuT.transpose(0, 1).transpose(0, 1));
            REF.copy(h.transpose(0, 1), e = REF.empty(DType.F32, 33, 17));
            Check.close(at("device view to cpu", seed), e, cpuT, 0);
            Tensor dst = up(ocl, Check.randn(REF, r, 17, 33));
            Tensor ref = REF.empty(DType.F32, 17, 33);
            REF.copy(ocl.toHost(dst), ref);
            Tensor hs = Check.randn(REF, r, 33, 17);
            ocl.copy(hs.transpose(0, 1).slice(0, 2, 9), dst.slice(0, 5, 12));
            REF.copy(hs.transpose(0, 1).slice(0, 2, 9), ref.slice(0, 5, 12));
            Check.close(at("cpu view to device view", seed), ref, ocl.toHost(dst), 0);
            // dense to dense on the device, also within one buffer
            Tensor c2 = ocl.empty(DType.F32, 17, 33);
            ocl.copy(d, c2);
            Check.close(at("dense device copy", seed), h, ocl.toHost(c2), 0);
            Tensor flat = up(ocl, Check.randn(REF, r, 11)), flatRef = ocl.toHost(flat);
            ocl.copy(flat.slice(0, 0, 4), flat.slice(0, 6, 10));
            REF.copy(flatRef.slice(0, 0, 4), flatRef.slice(0, 6, 10));
            Check.close(at("copy within one buffer", seed), flatRef, ocl.toHost(flat), 0);
            // F64 on the CPU converts to and from F32 on the device
            Tensor h64 = Check.randnF64(REF, r, 7, 3), d32 = ocl.empty(DType.F32, 7, 3), back = REF.empty(DType.F64, 7, 3);
            ocl.copy(h64, d32);
            ocl.copy(d32, back);
            Check.close(at("f64 round trip", seed), h64, back, 1e-7);
            // I32 <-> F32 on the device
            int[] ints = {3, -7, 0, 1 << 20, 5, 11};
            Tensor di = ocl.fromHost(ints, 2, 3), df = ocl.empty(DType.F32, 2, 3), di2 = ocl.empty(DType.I32, 3, 2);
            ocl.copy(di, df);
            ocl.copy(df.transpose(0, 1), di2);
            assertArrayEquals(new float[]{3, -7, 0, 1 << 20, 5, 11}, ocl.toHost(df).toFloatArray());
            assertArrayEquals(new int[]{3, 1 << 20, -7, 5, 0, 11}, ocl.toHost(di2).toIntArray());
            ocl.fill(di, 9);
            assertArrayEquals(new int[]{9, 9, 9, 9, 9, 9}, ocl.toHost(di).toIntArray());
        }
    }

    @Test void largeTransfersGoInChunks() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        long saved = ClDevice.chunkBytes;
        ClDevice.chunkBytes = 4096;
        try (Scope s = Scope.open()) {
            float[] v = new float[10_001];
            for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
            Tensor d = ocl.fromHost(v, v.length);
            assertArrayEquals(v, ocl.toHost(d).toFloatArray());
            Tensor h = Check.randn(REF, r, 3, 3001), d2 = up(ocl, h), back = REF.empty(DType.F32, 3, 3001);
            ocl.copy(d2, back);
            Check.close(at("chunked copies", seed), h, back, 0);
            int[] ints = new int[5003];
            for (int i = 0; i < ints.length; i++) ints[i] = r.nextInt();
            assertArrayEquals(ints, ocl.toHost(ocl.fromHost(ints, ints.length)).toIntArray());
        } finally {
            ClDevice.chunkBytes = saved;
        }
    }

    @Test void unaryAndBackwardOnViews() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        try (Scope s = Scope.open()) {
            for (Unary op : Unary.values()) {
                boolean positive = op == Unary.LOG || op == Unary.SQRT;
                for (int[] shape : new int[][]{{1}, {127}, {7, 33}, {3, 5, 17}}) {
                    Tensor x = positive ? Check.uniform(REF, r, 0.1, 3, shape) : Check.randn(REF, r, shape);
                    Tensor dx = up(ocl, x);
                    Tensor e = REF.empty(DType.F32, shape), a = ocl.empty(DType.F32, shape);
                    REF.unary(op, x, e);
                    ocl.unary(op, dx, a);
                    // Unit-scale inputs and slopes: a lone value near a zero of f or f' is judged at that scale.
                    Check.close(at("unary " + op + " " + Arrays.toString(shape), seed), e, ocl.toHost(a), RTOL, 1);
                    Tensor gy = Check.randn(REF, r, shape), ge = REF.empty(DType.F32, shape), ga = ocl.empty(DType.F32, shape);
                    REF.unaryBackward(op, x, e, gy, ge);
                    ocl.unaryBackward(op, dx, a, up(ocl, gy), ga);
                    Check.close(at("unaryBackward " + op + " " + Arrays.toString(shape), seed), ge, ocl.toHost(ga), RTOL, 1);
                }
                // transposed input, and in place
                Tensor x = positive ? Check.uniform(REF, r, 0.1, 3, 17, 65) : Check.randn(REF, r, 17, 65);
                Tensor dx = up(ocl, x);
                Tensor e = REF.empty(DType.F32, 65, 17), a = ocl.empty(DType.F32, 65, 17);
                REF.unary(op, x.transpose(0, 1), e);
                ocl.unary(op, dx.transpose(0, 1), a);
                Check.close(at("unary " + op + " transposed", seed), e, ocl.toHost(a), RTOL);
                REF.unary(op, x, x);
                ocl.unary(op, dx, dx);
                Check.close(at("unary " + op + " in place", seed), x, ocl.toHost(dx), RTOL);
            }
            // GELU's negative tail: tiny, not zero, each value to relative precision
            float[] tail = {-3.5f, -5f, -6.25f, -7.5f, -8.5f, -9.25f, 7f};
            Tensor x = REF.fromHost(tail, tail.length), gy = Check.randn(REF, r, tail.length);
            Tensor e = REF.empty(DType.F32, tail.length), ge = REF.empty(DType.F32, tail.length);
            Tensor a = ocl.empty(DType.F32, tail.length), ga = ocl.empty(DType.F32, tail.length);
            REF.unary(Unary.GELU, x, e);
            REF.unaryBackward(Unary.GELU, x, e, gy, ge);
            ocl.unary(Unary.GELU, up(ocl, x), a);
            ocl.unaryBackward(Unary.GELU, up(ocl, x), a, up(ocl, gy), ga);
            Check.closeEach(at("GELU tail", seed), e, ocl.toHost(a), 1e-5, 0);
            Check.closeEach(at("GELU' tail", seed), ge, ocl.toHost(ga), 1e-5, 0);
        }
    }

    @Test void scalarOps() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        try (Scope s = Scope.open()) {
            for (int[] shape : new int[][]{{1}, {65}, {7, 17}}) {
                Tensor x = Check.randn(REF, r, shape), pos = Check.uniform(REF, r, 0.2, 3, shape);
                Object[][] cases = {{ScalarOp.ADD, 0.37, x}, {ScalarOp.MUL, -1.7, x}, {ScalarOp.POW, 2.0, x}, {ScalarOp.POW, 3.0, x},
                        {ScalarOp.POW, -1.0, pos}, {ScalarOp.POW, 0.5, pos}, {ScalarOp.POW, -1.5, pos}};
                for (Object[] c : cases) {
                    ScalarOp op = (ScalarOp) c[0];
                    double v = (Double) c[1];
                    Tensor in = (Tensor) c[2];
                    Tensor e = REF.empty(DType.F32, shape), a = ocl.empty(DType.F32, shape);
                    REF.scalar(op, in, v, e);
                    ocl.scalar(op, up(ocl, in), v, a);
                    // x + 0.37 may cancel; the device adds 0.37 rounded to float: judge at the terms' scale
                    Check.close(at("scalar " + op + " " + v + " " + Arrays.toString(shape), seed), e, ocl.toHost(a), RTOL,
                            op == ScalarOp.ADD ? 1 + Math.abs(v) : 0);
                }
            }
            Tensor x = Check.randn(REF, r, 33, 7), dx = up(ocl, x);
            Tensor e = REF.empty(DType.F32, 7, 33), a = ocl.empty(DType.F32, 7, 33);
            REF.scalar(ScalarOp.MUL, x.transpose(0, 1), 3, e);
            ocl.scalar(ScalarOp.MUL, dx.transpose(0, 1), 3, a);
            Check.close(at("scalar on a transposed view", seed), e, ocl.toHost(a), RTOL);
        }
    }

    @Test void binaryWithBroadcastingAndViews() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        int[][][] pairs = {{{3, 17}, {17}}, {{7, 1, 33}, {5, 1}}, {{1}, {65}}, {{2, 3, 7}, {2, 1, 7}}, {{127}, {127}},
                {{3, 1, 5, 1, 7}, {1, 4, 1, 6, 1}}, {{1, 1}, {1}}};
        try (Scope s = Scope.open()) {
            for (Binary op : Binary.values()) {
                for (int[][] pr : pairs) {
                    Tensor a = Check.randn(REF, r, pr[0]);
                    Tensor b = op == Binary.DIV ? Check.uniform(REF, r, 0.5, 2, pr[1]) : Check.randn(REF, r, pr[1]);
                    int[] shape = dev.groklab.tensor.Shapes.broadcast(pr[0], pr[1]);
                    Tensor e = REF.empty(DType.F32, shape), o = ocl.empty(DType.F32, shape);
                    REF.binary(op, a, b, e);
                    ocl.binary(op, up(ocl, a), up(ocl, b), o);
                    Check.close(at("binary " + op + " " + Arrays.toString(pr[0]) + " " + Arrays.toString(pr[1]), seed), e, ocl.toHost(o), RTOL);
                    Check.close(at("binary " + op + " reversed", seed), swap(op, b, a, shape), ocl.toHost(swapOcl(op, b, a, shape)), RTOL);
                }
                // transposed operand, sliced operand, in place
                Tensor a = Check.randn(REF, r, 33, 17), b = Check.uniform(REF, r, 0.5, 2, 17, 40);
                Tensor da = up(ocl, a), db = up(ocl, b);
                Tensor e = REF.empty(DType.F32, 33, 17), o = ocl.empty(DType.F32, 33, 17);
                REF.binary(op, a, b.transpose(0, 1).slice(0, 4, 37), e);
                ocl.binary(op, da, db.transpose(0, 1).slice(0, 4, 37), o);
                Check.close(at("binary " + op + " on views", seed), e, ocl.toHost(o), RTOL);
                Tensor bias = Check.uniform(REF, r, 0.5, 2, 17);
                REF.binary(op, a, bias, a);
                ocl.binary(op, da, up(ocl, bias), da);
                Check.close(at("binary " + op + " in place", seed), a, ocl.toHost(da), RTOL);
            }
        }
    }

    private static Tensor swap(Binary op, Tensor a, Tensor b, int[] shape) {
        Tensor e = REF.empty(DType.F32, shape);
        REF.binary(op, a, b, e);
        return e;
    }

    private static Tensor swapOcl(Binary op, Tensor a, Tensor b, int[] shape) {
        Tensor o = ocl.empty(DType.F32, shape);
        ocl.binary(op, up(ocl, a), up(ocl, b), o);
        return o;
    }

    @Test void sumToEveryReduction() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        int[][][] cases = {{{7, 5, 33}, {33}}, {{7, 5, 33}, {5, 1}}, {{7, 5, 33}, {7, 1, 1}}, {{7, 5, 33}, {1}},
                {{7, 5, 33}, {7, 5, 33}}, {{7, 5, 33}, {5, 33}}, {{7, 5, 33}, {7, 1, 33}}, {{4001, 3}, {3}}, {{65, 127}, {1}},
                {{3, 1, 17}, {1, 17}}, {{127}, {}}, {{1}, {1}}, {{2, 3, 5, 7, 3}, {3, 1, 7, 1}}};
        try (Scope s = Scope.open()) {
            for (int[][] c : cases) {
                for (boolean acc : new boolean[]{false, true}) {
                    Tensor x = Check.randn(REF, r, c[0]), init = Check.randn(REF, r, c[1]);
                    Tensor e = Check.copyOf(REF, init), o = up(ocl, init);
                    REF.sumTo(x, e, acc);
                    ocl.sumTo(up(ocl, x), o, acc);
                    // A sum of k unit normals is itself ~sqrt(k) but may land near 0: bound the error by the
                    // terms' scale, not the result's.
                    double k = (double) x.numel() / Math.max(1, e.numel());
                    Check.closeEach(at("sumTo " + Arrays.toString(c[0]) + " -> " + Arrays.toString(c[1]) + (acc ? " accumulate" : ""), seed),
                            e, ocl.toHost(o), 1e-5, Math.sqrt(k) + 1);
                }
            }
            Tensor x = Check.randn(REF, r, 33, 65), e = REF.empty(DType.F32, 33), o = ocl.empty(DType.F32, 33);
            REF.sumTo(x.transpose(0, 1), e, false);
            ocl.sumTo(up(ocl, x).transpose(0, 1), o, false);
            Check.close(at("sumTo of a transposed view", seed), e, ocl.toHost(o), 1e-5);
        }
    }
}
