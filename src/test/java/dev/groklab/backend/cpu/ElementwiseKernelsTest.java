package dev.groklab.backend.cpu;

import dev.groklab.backend.Binary;
import dev.groklab.backend.ScalarOp;
import dev.groklab.backend.Unary;
import dev.groklab.tensor.DType;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import dev.groklab.testing.Check;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ElementwiseKernelsTest {
    private static final CpuBackend CPU = CpuBackend.get();
    private static final ReferenceBackend REF = new ReferenceBackend();
    private static final double RTOL = 1e-5;

    /** Shapes with sizes that are never a multiple of the vector length, plus one large enough to split. */
    private static final int[][] SHAPES = {{1}, {7}, {13}, {33}, {127}, {5, 13}, {3, 7, 33}, {301, 257}};

    private static Tensor input(Random r, Unary op, int... shape) {
        return switch (op) {
            case LOG, SQRT -> Check.uniform(CPU, r, 0.05, 6, shape);
            case EXP -> scaled(Check.randn(CPU, r, shape), 4);
            case GELU, TANH -> scaled(Check.randn(CPU, r, shape), 3);
            default -> Check.randn(CPU, r, shape);
        };
    }

    private static Tensor scaled(Tensor t, double s) {
        CPU.scalar(ScalarOp.MUL, t, s, t);
        return t;
    }

    /** A [rows, cols] view that is the transpose of a dense [cols, rows] tensor. */
    private static Tensor transposed(Tensor dense) { return dense.transpose(0, 1); }

    private static String seeded(String what, long seed) { return what + " (seed " + seed + ")"; }

    // ---- fill / copy ----------------------------------------------------------------------------

    @Test void fillDenseAndRejectsStridedOutput() {
        try (Scope s = Scope.open()) {
            for (int[] shape : SHAPES) {
                Tensor t = Check.empty(CPU, shape);
                for (double v : new double[]{0, -0.0, 1.5, -3.25}) {
                    assertTrue(ElementwiseKernels.fill(t, v));
                    float[] a = t.toFloatArray();
                    for (float x : a) assertEquals(Float.floatToIntBits((float) v), Float.floatToIntBits(x));
                }
            }
            Tensor big = Check.empty(CPU, 7, 9);
            assertFalse(ElementwiseKernels.fill(big.transpose(0, 1), 1));
        }
    }

    @Test void copyDenseStridedAndBroadcast() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        try (Scope s = Scope.open()) {
            for (int[] shape : SHAPES) {
                Tensor x = Check.randn(CPU, r, shape);
                checkCopy(seeded("dense " + java.util.Arrays.toString(shape), seed), x);
            }
            checkCopy(seeded("transposed 301x257", seed), transposed(Check.randn(CPU, r, 257, 301)));
            checkCopy(seeded("transposed 7x33", seed), transposed(Check.randn(CPU, r, 33, 7)));
            checkCopy(seeded("batched transpose", seed), Check.randn(CPU, r, 3, 37, 41).transpose(1, 2));
            checkCopy(seeded("heads permute", seed), Check.randn(CPU, r, 2, 5, 3, 13).permute(0, 2, 1, 3));
            checkCopy(seeded("inner permute", seed), Check.randn(CPU, r, 3, 5, 7).permute(2, 0, 1));
            checkCopy(seeded("sliced", seed), Check.randn(CPU, r, 33, 41).slice(1, 3, 36).slice(0, 1, 32));
            checkCopy(seeded("expand rows", seed), Check.randn(CPU, r, 1, 13).expand(127, 13));
            checkCopy(seeded("expand cols", seed), Check.randn(CPU, r, 13, 1).expand(13, 33));
            checkCopy(seeded("expand scalar", seed), Check.randn(CPU, r, 1).expand(5, 7));
            checkCopy(seeded("slice every other", seed), Check.randn(CPU, r, 20, 33).reshape(10, 2, 33).slice(1, 0, 1));
        }
    }

    @Test void copyIntoStridedDestinations() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        try (Scope s = Scope.open()) {
            // A slice's gradient written into its place; a transposed and a permuted destination.
            checkCopyInto(seeded("into last-position slice", seed), Check.randn(CPU, r, 2, 37, 1, 19),
                    Check.randn(CPU, r, 2, 37, 3, 19), d -> d.slice(2, 2, 3));
            checkCopyInto(seeded("into column slice", seed), Check.randn(CPU, r, 33, 5), Check.randn(CPU, r, 33, 41), d -> d.slice(1, 7, 12));
            checkCopyInto(seeded("into transpose", seed), Check.randn(CPU, r, 29, 31), Check.randn(CPU, r, 31, 29), d -> d.transpose(0, 1));
            checkCopyInto(seeded("strided into permute", seed), Check.randn(CPU, r, 5, 7, 3).permute(1, 0, 2),
                    Check.randn(CPU, r, 3, 7, 5), d -> d.permute(1, 2, 0));
        }
    }

    private static void checkCopyInto(String what, Tensor src, Tensor base, java.util.function.UnaryOperator<Tensor> view) {
        Tensor expected = Check.copyOf(CPU, base), got = Check.copyOf(CPU, base);
        REF.copy(src, view.apply(expected));
        assertTrue(ElementwiseKernels.copy(src, view.apply(got)), what);
        Check.close(what, expected, got, 0);
    }

    private static void checkCopy(String what, Tensor src) {
        Tensor expected = Check.empty(CPU, src.shape()), got = Check.empty(CPU, src.shape());
        REF.copy(src, expected);
        assertTrue(ElementwiseKernels.copy(src, got), what);
        Check.close(what, expected, got, 0);
    }

    // ---- unary ----------------------------------------------------------------------------------

    @Test void unaryMatchesReference() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        try (Scope s = Scope.open()) {
            for (Unary op : Unary.values()) {
                for (int[] shape : SHAPES) {
                    Tensor x = input(r, op, shape);
                    Tensor expected = Check.empty(CPU, shape), got = Check.empty(CPU, shape);
                    REF.unary(op, x, expected);
                    assertTrue(ElementwiseKernels.unary(op, x, got));
                    String what = seeded(op + " " + java.util.Arrays.toString(shape), seed);
                    Check.close(what, expected, got, RTOL);
                    if (op == Unary.EXP || op == Unary.GELU || op == Unary.TANH) Check.closeEach(what, expected, got, 1e-5, 1e-6);
                }
            }
        }
    }

    @Test void unaryInPlaceAndStrided() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        try (Scope s = Scope.open()) {
            for (Unary op : Unary.values()) {
                Tensor x = input(r, op, 127, 33);
                Tensor expected = Check.empty(CPU, 127, 33);
                REF.unary(op, x, expected);
                assertTrue(ElementwiseKernels.unary(op, x, x));
                Check.close(seeded(op + " in place", seed), expected, x, RTOL);

                Tensor xt = transposed(input(r, op, 257, 31));
                Tensor e2 = Check.empty(CPU, 31, 257), g2 = Check.empty(CPU, 31, 257);
                REF.unary(op, xt, e2);
                assertTrue(ElementwiseKernels.unary(op, xt, g2));
                Check.close(seeded(op + " transposed", seed), e2, g2, RTOL);
            }
        }
    }

    @Test void unaryEdgeValues() {
        try (Scope s = Scope.open()) {
            float[] wide = {0f, -0f, 1e-30f, -1e-30f, 1e-6f, -1e-6f, 20f, -20f, 60f, -60f, 88f, -88f, 100f, -100f, 1e10f, -1e10f, 5f, -5f, 9.5f, -9.5f};
            float[] finite = {0f, -0f, 1e-30f, -1e-30f, 1e-6f, -1e-6f, 20f, -20f, 60f, -60f, 88f, -88f, -100f, -1e10f, 5f, -5f, 0.3f, -0.7f};
            for (Unary op : new Unary[]{Unary.GELU, Unary.TANH, Unary.EXP, Unary.RELU, Unary.ABS, Unary.NEG, Unary.SQUARE}) {
                float[] v = op == Unary.EXP ? finite : wide;
                Tensor x = CPU.fromHost(v, v.length);
                Tensor e = Check.empty(CPU, v.length), g = Check.empty(CPU, v.length);
                REF.unary(op, x, e);
                assertTrue(ElementwiseKernels.unary(op, x, g));
                Check.closeEach(op + " edges", e, g, 1e-5, 1e-12);
                Tensor gy = CPU.fromHost(new float[v.length], v.length);
                CPU.fill(gy, 1);
                Tensor eb = Check.empty(CPU, v.length), gb = Check.empty(CPU, v.length);
                REF.unaryBackward(op, x, e, gy, eb);
                assertTrue(ElementwiseKernels.unaryBackward(op, x, e, gy, gb));
                Check.closeEach(op + " backward edges", eb, gb, 1e-5, 1e-6);
            }
        }
    }

    /**
     * Far in GELU's negative tail the value and slope are tiny but not zero; alone in a tensor each must
     * still match to relative precision down to where floats turn subnormal (x ≈ −9.5); a tanh-based
     * reference rounds them to 0 from x ≈ −9 on.
     */
    @Test void geluTailAgreesElementByElement() {
        try (Scope s = Scope.open()) {
            for (float v : new float[]{-3.5f, -5f, -6.25f, -7.5f, -8.5f, -9.25f, 7f}) {
                Tensor x = CPU.fromHost(new float[]{v}, 1), gy = CPU.fromHost(new float[]{1.25f}, 1);
                Tensor e = Check.empty(CPU, 1), g = Check.empty(CPU, 1);
                REF.unary(Unary.GELU, x, e);
                assertTrue(ElementwiseKernels.unary(Unary.GELU, x, g));
                Check.close("GELU(" + v + ")", e, g, 1e-5);
                Tensor eb = Check.empty(CPU, 1), gb = Check.empty(CPU, 1);
                REF.unaryBackward(Unary.GELU, x, e, gy, eb);
                assertTrue(ElementwiseKernels.unaryBackward(Unary.GELU, x, e, gy, gb));
                Check.close("GELU'(" + v + ")", eb, gb, 1e-5);
                if (v < -6) assertTrue(eb.getDouble(0) < 0 && e.getDouble(0) < 0, "tail is negative, not rounded to 0 at " + v);
            }
        }
    }

    @Test void expMatchesSimdMathBitForBit() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 88.37626f, 88.37627f, 88.8f,
                -87.33654f, -87.33655f, -88f, -103f, 1e-30f, -1e-30f, Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE};
        float[] v = new float[SimdUtil.L];
        for (int k = 0; k < 20000; k++) {
            for (int i = 0; i < v.length; i++) {
                v[i] = switch (r.nextInt(4)) {
                    case 0 -> special[r.nextInt(special.length)];
                    case 1 -> (float) (r.nextGaussian() * 3);
                    case 2 -> (float) ((r.nextDouble() - 0.5) * 200);
                    default -> Float.intBitsToFloat(r.nextInt());
                };
            }
            jdk.incubator.vector.FloatVector x = jdk.incubator.vector.FloatVector.fromArray(SimdUtil.S, v, 0);
            float[] mine = SimdUtil.exp(x).toArray(), theirs = SimdMath.exp(x).toArray();
            for (int i = 0; i < v.length; i++) {
                assertEquals(Float.floatToIntBits(theirs[i]), Float.floatToIntBits(mine[i]), "exp(" + v[i] + ") (seed " + seed + ")");
                assertEquals(Float.floatToIntBits(SimdMath.exp(v[i])), Float.floatToIntBits(mine[i]), "scalar exp(" + v[i] + ") (seed " + seed + ")");
            }
        }
    }

    /** Vector lanes and the scalar tails compute the same bits, so results never depend on position or tier. */
    @Test void vectorLanesMatchScalarTwinsBitForBit() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        try (Scope s = Scope.open()) {
            int n = 1001;
            for (Unary op : Unary.values()) {
                Tensor x = input(r, op, n), y = Check.empty(CPU, n), gy = Check.randn(CPU, r, n), gx = Check.empty(CPU, n);
                assertTrue(ElementwiseKernels.unary(op, x, y));
                assertTrue(ElementwiseKernels.unaryBackward(op, x, y, gy, gx));
                float[] xv = x.toFloatArray(), yv = y.toFloatArray(), gv = gy.toFloatArray(), dv = gx.toFloatArray();
                for (int i = 0; i < n; i++) {
                    assertEquals(Float.floatToIntBits(ElementwiseKernels.unary(op, xv[i])), Float.floatToIntBits(yv[i]),
                            op + " at " + i + " x=" + xv[i] + " (seed " + seed + ")");
                    assertEquals(Float.floatToIntBits(ElementwiseKernels.backward(op, xv[i], yv[i], gv[i])), Float.floatToIntBits(dv[i]),
                            op + " backward at " + i + " x=" + xv[i] + " (seed " + seed + ")");
                }
            }
        }
    }

    @Test void unaryBackwardMatchesReference() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        try (Scope s = Scope.open()) {
            for (Unary op : Unary.values()) {
                for (int[] shape : SHAPES) {
                    Tensor x = input(r, op, shape), y = Check.empty(CPU, shape), gy = Check.randn(CPU, r, shape);
                    REF.unary(op, x, y);
                    Tensor expected = Check.empty(CPU, shape), got = Check.empty(CPU, shape);
                    REF.unaryBackward(op, x, y, gy, expected);
                    assertTrue(ElementwiseKernels.unaryBackward(op, x, y, gy, got));
                    // gy·f'(x) with unit-scale gy and f': a lone value near a zero of f' is judged at that scale
                    Check.close(seeded(op + " backward " + java.util.Arrays.toString(shape), seed), expected, got, RTOL, 1);
                }
                // strided gradient, result written over the gradient's own storage
                Tensor x = input(r, op, 33, 65), y = Check.empty(CPU, 33, 65);
                REF.unary(op, x, y);
                Tensor gyT = transposed(Check.randn(CPU, r, 65, 33));
                Tensor expected = Check.empty(CPU, 33, 65);
                REF.unaryBackward(op, x, y, gyT, expected);
                Tensor got = Check.empty(CPU, 33, 65);
                assertTrue(ElementwiseKernels.unaryBackward(op, x, y, gyT, got));
                Check.close(seeded(op + " backward strided", seed), expected, got, RTOL);
                assertTrue(ElementwiseKernels.unaryBackward(op, x, y, got, got));
                Tensor e2 = Check.empty(CPU, 33, 65);
                REF.unaryBackward(op, x, y, expected, e2);
                Check.close(seeded(op + " backward in place", seed), e2, got, RTOL);
            }
        }
    }

    // ---- scalar ---------------------------------------------------------------------------------

    @Test void scalarOpsIncludingPowSpecialCases() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        try (Scope s = Scope.open()) {
            double[] pows = {2, 0.5, -1, 1, 0, 3, -2, -0.5, 1.7, 2.5, -1.3};
            for (int[] shape : SHAPES) {
                Tensor x = Check.randn(CPU, r, shape);
                double c = r.nextGaussian() * 3;
                checkScalar(seeded("ADD " + c, seed), ScalarOp.ADD, x, c);
                checkScalar(seeded("MUL " + c, seed), ScalarOp.MUL, x, c);
                Tensor pos = Check.uniform(CPU, r, 0.2, 4, shape);
                for (double p : pows) {
                    checkScalar(seeded("POW " + p + " " + java.util.Arrays.toString(shape), seed), ScalarOp.POW, pos, p);
                    if (p == Math.rint(p)) checkScalar(seeded("POW " + p + " of negatives", seed), ScalarOp.POW, x, p);
                }
            }
            Tensor x = Check.randn(CPU, r, 33, 17);
            Tensor expected = Check.empty(CPU, 33, 17);
            REF.scalar(ScalarOp.MUL, x, -0.3, expected);
            assertTrue(ElementwiseKernels.scalar(ScalarOp.MUL, x, -0.3, x));
            Check.close(seeded("MUL in place", seed), expected, x, RTOL);
            checkScalar(seeded("ADD transposed", seed), ScalarOp.ADD, transposed(Check.randn(CPU, r, 41, 29)), 0.7);
            checkScalar(seeded("POW transposed", seed), ScalarOp.POW, transposed(Check.uniform(CPU, r, 0.5, 2, 41, 29)), 1.5);
        }
    }

    private static void checkScalar(String what, ScalarOp op, Tensor x, double c) {
        Tensor expected = Check.empty(CPU, x.shape()), got = Check.empty(CPU, x.shape());
        REF.scalar(op, x, c, expected);
        assertTrue(ElementwiseKernels.scalar(op, x, c, got), what);
        // The kernel adds c rounded to float, and x + c may cancel: judge a sum at its terms' scale.
        Check.close(what, expected, got, RTOL, op == ScalarOp.ADD ? 1 + Math.abs(c) : 0);
    }

    // ---- binary ---------------------------------------------------------------------------------

    private static Tensor operand(Random r, Binary op, boolean divisor, int... shape) {
        return divisor && op == Binary.DIV ? Check.uniform(CPU, r, 0.5, 2, shape) : Check.randn(CPU, r, shape);
    }

    private static void checkBinary(String what, Binary op, Tensor a, Tensor b) {
        int[] shape = dev.groklab.tensor.Shapes.broadcast(a.shape(), b.shape());
        Tensor expected = Check.empty(CPU, shape), got = Check.empty(CPU, shape);
        REF.binary(op, a, b, expected);
        assertTrue(ElementwiseKernels.binary(op, a, b, got), what);
        Check.close(what, expected, got, 1e-6);
    }

    @Test void binaryBroadcastCases() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        int[][][] cases = {
                {{301, 257}, {301, 257}},
                {{13}, {1}},
                {{1}, {33, 7}},
                {{127, 33}, {33}},
                {{127, 33}, {1, 33}},
                {{7, 13, 33}, {7, 1, 33}},
                {{7, 13, 33}, {13, 33}},
                {{3, 1}, {1, 4}},
                {{127, 33}, {127, 1}},
                {{5, 1, 7}, {3, 1}},
                {{4, 1, 1}, {4, 9, 13}},
                {{1, 1}, {1, 1}},
                {{2, 3, 5, 7}, {3, 1, 7}},
                {{1000, 77}, {77}},
        };
        try (Scope s = Scope.open()) {
            for (Binary op : Binary.values()) {
                for (int[][] c : cases) {
                    Tensor a = operand(r, op, false, c[0]), b = operand(r, op, true, c[1]);
                    checkBinary(seeded(op + " " + java.util.Arrays.toString(c[0]) + " " + java.util.Arrays.toString(c[1]), seed), op, a, b);
                    checkBinary(seeded(op + " swapped " + java.util.Arrays.toString(c[1]) + " " + java.util.Arrays.toString(c[0]), seed), op,
                            operand(r, op, false, c[1]), operand(r, op, true, c[0]));
                }
            }
        }
    }

    @Test void binaryStridedAndInPlace() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        try (Scope s = Scope.open()) {
            for (Binary op : Binary.values()) {
                Tensor aT = transposed(operand(r, op, false, 257, 301)), b = operand(r, op, true, 301, 257);
                checkBinary(seeded(op + " transposed a", seed), op, aT, b);
                checkBinary(seeded(op + " transposed b", seed), op, operand(r, op, false, 301, 257), transposed(operand(r, op, true, 257, 301)));
                checkBinary(seeded(op + " both transposed", seed), op, transposed(operand(r, op, false, 13, 7)), transposed(operand(r, op, true, 13, 7)));
                // a column of a matrix, broadcast along rows: strided and repeated
                Tensor col = operand(r, op, true, 7, 5).slice(1, 2, 3).transpose(0, 1);   // [1, 7], stride 5
                checkBinary(seeded(op + " strided broadcast", seed), op, operand(r, op, false, 9, 7), col);

                Tensor a = operand(r, op, false, 33, 65), bb = operand(r, op, true, 33, 65);
                Tensor expected = Check.empty(CPU, 33, 65);
                REF.binary(op, a, bb, expected);
                assertTrue(ElementwiseKernels.binary(op, a, bb, a));
                Check.close(seeded(op + " in place a", seed), expected, a, 1e-6);

                Tensor a2 = operand(r, op, false, 65), b2 = operand(r, op, true, 33, 65);
                Tensor e2 = Check.empty(CPU, 33, 65);
                REF.binary(op, a2, b2, e2);
                assertTrue(ElementwiseKernels.binary(op, a2, b2, b2));
                Check.close(seeded(op + " in place b broadcast a", seed), e2, b2, 1e-6);

                // accumulate a transposed view of another tensor into a dense gradient
                Tensor g = operand(r, op, false, 41, 29), gT = transposed(operand(r, op, true, 29, 41));
                Tensor e3 = Check.empty(CPU, 41, 29);
                REF.binary(op, g, gT, e3);
                assertTrue(ElementwiseKernels.binary(op, g, gT, g));
                Check.close(seeded(op + " in place with transposed b", seed), e3, g, 1e-6);
            }
        }
    }

    // ---- sumTo ----------------------------------------------------------------------------------

    private static void checkSum(String what, Tensor x, int[] outShape, boolean fast, Random r) {
        for (boolean acc : new boolean[]{false, true}) {
            Tensor init = Check.randn(CPU, r, outShape);
            Tensor expected = Check.copyOf(CPU, init), got = Check.copyOf(CPU, init);
            REF.sumTo(x, expected, acc);
            boolean took = ElementwiseKernels.sumTo(x, got, acc);
            if (fast) assertTrue(took, what + " should take a fast path");
            if (!took) CPU.sumTo(x, got, acc);
            if (init.numel() == 1) {
                // a total of random signs can cancel far below its terms: judge it against Σ|x|
                double abs = 0;
                for (int i = 0, n = x.numel(); i < n; i++) abs += Math.abs(x.getDouble(i));
                assertEquals(expected.getDouble(0), got.getDouble(0), 1e-6 * abs, what + (acc ? " accumulate" : ""));
            } else {
                Check.close(what + (acc ? " accumulate" : ""), expected, got, RTOL);
            }
        }
    }

    @Test void sumToLeadingRowsAndLastAxis() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        try (Scope s = Scope.open()) {
            Tensor x = Check.randn(CPU, r, 301, 257);
            checkSum(seeded("[301,257]->[1,257]", seed), x, new int[]{1, 257}, true, r);
            checkSum(seeded("[301,257]->[257]", seed), x, new int[]{257}, true, r);
            checkSum(seeded("[301,257]->[301,1]", seed), x, new int[]{301, 1}, true, r);
            checkSum(seeded("[301,257]->[1,1]", seed), x, new int[]{1, 1}, true, r);
            checkSum(seeded("[301,257]->[1]", seed), x, new int[]{1}, true, r);
            checkSum(seeded("[301,257]->[301,257]", seed), x, new int[]{301, 257}, true, r);
            Tensor y = Check.randn(CPU, r, 7, 13, 33);
            checkSum(seeded("[7,13,33]->[7,1,33]", seed), y, new int[]{7, 1, 33}, true, r);
            checkSum(seeded("[7,13,33]->[33]", seed), y, new int[]{33}, true, r);
            checkSum(seeded("[7,13,33]->[1,13,33]", seed), y, new int[]{1, 13, 33}, true, r);
            checkSum(seeded("[7,13,33]->[7,13,1]", seed), y, new int[]{7, 13, 1}, true, r);
            checkSum(seeded("[7,13,33]->[7,1,1]", seed), y, new int[]{7, 1, 1}, true, r);
            checkSum(seeded("[7,13,33]->[1,13,1]", seed), y, new int[]{1, 13, 1}, false, r);
            checkSum(seeded("[7,13,33]->[1]", seed), y, new int[]{1}, true, r);
            checkSum(seeded("[1]->[1]", seed), Check.randn(CPU, r, 1), new int[]{1}, true, r);
            // large enough that rows are split across threads, and a long total
            checkSum(seeded("[2001,129]->[129]", seed), Check.randn(CPU, r, 2001, 129), new int[]{129}, true, r);
            checkSum(seeded("[3,5001,13]->[3,1,13]", seed), Check.randn(CPU, r, 3, 5001, 13), new int[]{3, 1, 13}, true, r);
            checkSum(seeded("[300001]->[1]", seed), Check.randn(CPU, r, 300001), new int[]{1}, true, r);
            // strided x falls back
            Tensor xt = transposed(Check.randn(CPU, r, 13, 7));
            Tensor out = Check.empty(CPU, 1, 13);
            assertFalse(ElementwiseKernels.sumTo(xt, out, false));
        }
    }

    @Test void zeroSizedTensorsAreNoOps() {
        try (Scope s = Scope.open()) {
            Tensor x = CPU.empty(DType.F32, 0, 5), y = CPU.empty(DType.F32, 0, 5);
            assertTrue(ElementwiseKernels.unary(Unary.GELU, x, y));
            assertTrue(ElementwiseKernels.binary(Binary.ADD, x, y, y));
            assertTrue(ElementwiseKernels.copy(x, y));
            Tensor o = Check.empty(CPU, 1, 5);
            assertTrue(ElementwiseKernels.sumTo(x, o, false));
            Check.close("sum of nothing", Check.zerosLike(CPU, o), o, 0);
        }
    }
}
