package dev.groklab.backend.opencl;

import dev.groklab.tensor.DType;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.groklab.backend.opencl.OpenClTesting.REF;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Philox dropout masks are bit-identical to the CPU's. */
class OpenClDropoutTest {
    private static OpenClBackend ocl;

    @BeforeAll static void open() { ocl = OpenClTesting.backend(); }

    @Test void masksEqualTheCpuBitForBit() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        try (Scope s = Scope.open()) {
            for (int[] shape : new int[][]{{1}, {7}, {1001}, {33, 65}, {3, 5, 17}}) {
                for (double p : new double[]{0, 0.1, 0.5, 0.9, 1.0 / 3}) {
                    int sd = r.nextInt(), stream = r.nextInt(100);
                    long counter = r.nextBoolean() ? r.nextInt(1000) : (1L << 33) + r.nextInt(1000);
                    Tensor e = REF.empty(DType.F32, shape), a = ocl.empty(DType.F32, shape);
                    REF.dropoutMask(sd, stream, counter, p, e);
                    ocl.dropoutMask(sd, stream, counter, p, a);
                    float[] ev = e.toFloatArray(), av = ocl.toHost(a).toFloatArray();
                    int[] eb = new int[ev.length], ab = new int[av.length];
                    for (int i = 0; i < ev.length; i++) { eb[i] = Float.floatToRawIntBits(ev[i]); ab[i] = Float.floatToRawIntBits(av[i]); }
                    assertArrayEquals(eb, ab, "mask " + java.util.Arrays.toString(shape) + " p=" + p + " seed=" + sd + " stream=" + stream
                            + " counter=" + counter + " (test seed " + seed + ")");
                }
            }
            // a strided mask view takes the same values by logical index
            Tensor e = REF.empty(DType.F32, 7, 9), base = ocl.empty(DType.F32, 9, 7);
            REF.dropoutMask(5, 2, 11, 0.3, e);
            ocl.dropoutMask(5, 2, 11, 0.3, base.transpose(0, 1));
            Tensor host = REF.empty(DType.F32, 7, 9);
            ocl.copy(base.transpose(0, 1), host);
            assertArrayEquals(e.toFloatArray(), host.toFloatArray());
        }
    }
}
