package dev.groklab.backend;

import dev.groklab.tensor.DType;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Shape mismatches fail at once with the op and both shapes in the message. */
class BadInputTest {
    private final Backend be = Backends.cpu();

    private static void fails(String op, String s1, String s2, Executable e) {
        var ex = assertThrows(IllegalArgumentException.class, e);
        String m = ex.getMessage();
        assertTrue(m.startsWith(op) && m.contains(s1) && m.contains(s2), "message: " + m);
    }

    @Test void shapeMismatchesNameOpAndShapes() {
        try (Scope s = Scope.open()) {
            Tensor a = be.empty(DType.F32, 3, 4), b = be.empty(DType.F32, 5, 6), o = be.empty(DType.F32, 3, 6);
            be.fill(a, 1);
            be.fill(b, 1);
            fails("matmul", "[3, 4]", "[5, 6]", () -> be.matmul(a, b, o, false));
            fails("binary ADD", "[3, 4]", "[5, 6]", () -> be.binary(Binary.ADD, a, b, o));
            fails("unary EXP", "[3, 4]", "[5, 6]", () -> be.unary(Unary.EXP, a, b));
            Tensor q = be.empty(DType.F32, 2, 3, 4), k = be.empty(DType.F32, 2, 5, 4);
            fails("attention", "[2, 3, 4]", "[2, 5, 4]", () -> be.attention(q, k, k, true, q, be.empty(DType.F32, 2, 3)));
            Tensor idx = be.fromHost(new int[]{0, 7}, 2);
            Tensor table = be.empty(DType.F32, 1, 5, 3);
            be.fill(table, 1);
            var ex = assertThrows(IllegalArgumentException.class, () -> be.gather(table, idx, be.empty(DType.F32, 1, 2, 3)));
            assertTrue(ex.getMessage().contains("gather") && ex.getMessage().contains("7"), ex.getMessage());
        }
    }
}
