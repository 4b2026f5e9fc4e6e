package dev.groklab.backend.opencl;

import dev.groklab.backend.Binary;
import dev.groklab.backend.Unary;
import dev.groklab.tensor.DType;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import dev.groklab.testing.Check;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.Random;

import static dev.groklab.backend.opencl.OpenClTesting.REF;
import static dev.groklab.backend.opencl.OpenClTesting.up;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Freed tensors, bad shapes, wrong devices, bad indices, build and launch failures, out of memory. */
class OpenClErrorsTest {
    private static OpenClBackend ocl;

    @BeforeAll static void open() { ocl = OpenClTesting.backend(); }

    private static void fails(Class<? extends Throwable> type, Executable e, String... parts) {
        Throwable t = assertThrows(type, e);
        for (String p : parts) assertTrue(t.getMessage().contains(p), "message lacks '" + p + "': " + t.getMessage());
    }

    @Test void freedTensorsFailAtOnce() {
        Tensor t;
        try (Scope s = Scope.open()) {
            t = ocl.empty(DType.F32, 3, 4);
            ocl.fill(t, 1);
        }
        try (Scope s = Scope.open()) {
            Tensor out = ocl.empty(DType.F32, 3, 4);
            fails(IllegalStateException.class, () -> ocl.unary(Unary.EXP, t, out), "unary EXP", "freed");
            fails(IllegalStateException.class, () -> ocl.toHost(t), "freed");
            fails(IllegalStateException.class, () -> ocl.copy(t, REF.empty(DType.F32, 3, 4)), "copy", "freed");
        }
    }

    @Test void shapeMismatchesNameOpAndShapes() {
        try (Scope s = Scope.open()) {
            Tensor a = ocl.empty(DType.F32, 3, 4), b = ocl.empty(DType.F32, 5, 6), o = ocl.empty(DType.F32, 3, 6);
            ocl.fill(a, 1);
            ocl.fill(b, 1);
            fails(IllegalArgumentException.class, () -> ocl.matmul(a, b, o, false), "matmul", "[3, 4]", "[5, 6]");
            fails(IllegalArgumentException.class, () -> ocl.binary(Binary.ADD, a, b, o), "binary ADD", "[3, 4]", "[5, 6]");
            fails(IllegalArgumentException.class, () -> ocl.unary(Unary.EXP, a, b), "unary EXP", "[3, 4]", "[5, 6]");
            fails(IllegalArgumentException.class, () -> ocl.copy(a, b), "copy", "[3, 4]", "[5, 6]");
            fails(IllegalArgumentException.class, () -> sumTo(a, ocl.empty(DType.F32, 5)), "sumTo", "[3, 4]", "[5]");
            Tensor q = ocl.empty(DType.F32, 2, 3, 4), k = ocl.empty(DType.F32, 2, 5, 4);
            fails(IllegalArgumentException.class, () -> ocl.attention(q, k, k, true, q, ocl.empty(DType.F32, 2, 3)),
                    "attention", "[2, 3, 4]", "[2, 5, 4]");
            fails(IllegalArgumentException.class, () -> ocl.layerNorm(a, ocl.empty(DType.F32, 2, 4), ocl.empty(DType.F32, 2, 4), 1e-5,
                    a, ocl.empty(DType.F32, 3), ocl.empty(DType.F32, 3)), "layerNorm", "[2, 4]", "[3, 4]");
        }
    }

    private void sumTo(Tensor x, Tensor out) { ocl.sumTo(x, out, false); }

    @Test void tensorsOnTheWrongDeviceAndF64AreRejected() {
        try (Scope s = Scope.open()) {
            Tensor cpu = Check.randn(REF, new Random(1), 3, 4), dev = ocl.empty(DType.F32, 3, 4);
            String here = ocl.device().toString();
            fails(IllegalArgumentException.class, () -> ocl.unary(Unary.EXP, cpu, dev), "unary EXP", "is on cpu", here);
            fails(IllegalArgumentException.class, () -> ocl.binary(Binary.MUL, dev, cpu, dev), "binary MUL", "is on cpu", here);
            fails(IllegalArgumentException.class, () -> ocl.matmul(dev, cpu.transpose(0, 1), ocl.empty(DType.F32, 3, 3), false),
                    "matmul", "is on cpu", here);
            fails(IllegalArgumentException.class, () -> ocl.toHost(cpu), "toHost", "is on cpu");
            fails(IllegalArgumentException.class, () -> REF.unary(Unary.EXP, dev, cpu), "unary EXP", "is on " + here);
            fails(IllegalArgumentException.class, () -> ocl.empty(DType.F64, 3), "empty", "F64");
            fails(IllegalArgumentException.class, () -> ocl.fromHost(new double[]{1, 2}, 2), "fromHost", "F64");
            fails(IllegalArgumentException.class, () -> ocl.unary(Unary.EXP, ocl.fromHost(new int[]{1, 2}, 2), ocl.empty(DType.F32, 2)),
                    "unary EXP", "I32");
            // copies between the CPU and the device are allowed either way
            assertDoesNotThrow(() -> ocl.copy(cpu, dev));
            assertDoesNotThrow(() -> ocl.copy(dev, cpu));
        }
    }

    @Test void badIndicesFail() {
        try (Scope s = Scope.open()) {
            Tensor table = ocl.empty(DType.F32, 1, 5, 3), out = ocl.empty(DType.F32, 1, 2, 3);
            ocl.fill(table, 1);
            // uploaded indices are checked at once
            fails(IllegalArgumentException.class, () -> ocl.gather(table, ocl.fromHost(new int[]{0, 7}, 2), out), "gather", "7");
            fails(IllegalArgumentException.class, () -> ocl.scatterAdd(out, ocl.fromHost(new int[]{-1, 2}, 2), table), "scatterAdd", "-1");
            Tensor logits = ocl.empty(DType.F32, 2, 5), loss = ocl.empty(DType.F32, 2), lse = ocl.empty(DType.F32, 2);
            ocl.fill(logits, 0);
            fails(IllegalArgumentException.class, () -> ocl.crossEntropy(logits, ocl.fromHost(new int[]{5}, 1), loss, lse),
                    "crossEntropy", "target 5");
            // indices computed on the device are checked by the kernel and reported at the next synchronization
            Tensor made = ocl.empty(DType.I32, 2);
            ocl.copy(ocl.fromHost(new float[]{1, 9}, 2), made);
            ocl.gather(table, made, out);
            fails(IllegalArgumentException.class, () -> ocl.toHost(out), "gather: index 9 outside [0, 5)");
            assertDoesNotThrow(() -> ocl.toHost(out), "the error is reported once");
            ocl.scatterAdd(out, made, table);
            fails(IllegalArgumentException.class, ocl::synchronize, "scatterAdd: index 9 outside [0, 5)");
            Tensor t2 = ocl.empty(DType.I32, 1);
            ocl.copy(ocl.fromHost(new float[]{6}, 1), t2);
            ocl.crossEntropy(logits, t2, loss, lse);
            fails(IllegalArgumentException.class, () -> ocl.toHost(loss), "crossEntropy: target 6 outside [0, 5)");
        }
    }

    @Test void buildFailuresShowTheLogWithFileAndLine() {
        String src = "__kernel void broken(__global float* x) {\n    x[0] = 1.0f;\n    x[1] = undefined_name;\n}\n";
        fails(OpenClException.class, () -> ocl.cl().programs.buildForTest("broken.cl", src, ""),
                "kernels/opencl/broken.cl", "broken.cl:3:", "undefined_name");
    }

    @Test void launchFailuresNameTheKernelAndTheError() {
        ClStorage buf = ocl.cl().pool.allocate(4, DType.F32, new int[]{1});
        try {
            var k = ocl.cl().kernel("fill.cl", "fill");
            long tooBig = ocl.info().maxWorkGroupSize() * 2;
            // fill(inner, mid, outer, rank, shape, out, outOff, outInner, outMid, outStride, bits)
            Object[] args = {1, 1, 1, 0, new int[8], buf, 0, 1, 0, new int[8], 0};
            fails(OpenClException.class, () -> ocl.cl().launch("fill", k, new long[]{tooBig, 1, 1}, new long[]{tooBig, 1, 1}, args),
                    "kernel fill", "CL_INVALID_WORK_GROUP_SIZE");
            fails(OpenClException.class, () -> ocl.cl().launch("fill", k, new long[]{1, 1, 1}, new long[]{1, 1, 1}, 1, 1, 1, 0, 7),
                    "kernel fill", "argument 4", "CL_INVALID_ARG_SIZE");
        } finally {
            buf.release();
        }
    }

    @Test void outOfMemoryNamesShapeSizeAndDeviceMemory() {
        long global = ocl.info().globalMemBytes();
        try (Scope s = Scope.open()) {
            OpenClException.OutOfMemory e = assertThrows(OpenClException.OutOfMemory.class, () -> {
                for (long held = 0; held <= global; held += 4L << 30) ocl.empty(DType.F32, 1 << 15, 1 << 15);
            });
            String m = e.getMessage();
            assertTrue(m.contains("[32768, 32768]") && m.contains("4.00 GiB") && m.contains(ClMemoryPool.gib(global)), m);
        } finally {
            ocl.cl().pool.trim();
        }
    }
}
