package dev.groklab.tensor;

import dev.groklab.backend.Backend;
import dev.groklab.backend.Backends;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TensorViewTest {
    private final Backend be = Backends.cpu();

    private Tensor iota(int... shape) {
        float[] d = new float[(int) Shapes.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = i + 1;
        return be.fromHost(d, shape);
    }

    @Test void viewsShareStorageAndIndexCorrectly() {
        try (Scope s = Scope.open()) {
            Tensor t = iota(2, 3, 4);
            Tensor p = t.permute(2, 0, 1);
            assertSame(t.storage(), p.storage());
            assertArrayEquals(new int[]{4, 2, 3}, p.shape());
            assertFalse(p.isContiguous());
            // p[k, i, j] == t[i, j, k]
            assertEquals(t.getDouble((1 * 3 + 2) * 4 + 3), p.getDouble((3 * 2 + 1) * 3 + 2));
            Tensor sl = t.slice(1, 1, 3);
            assertArrayEquals(new int[]{2, 2, 4}, sl.shape());
            assertEquals(t.getDouble(4), sl.getDouble(0));
            Tensor r = t.reshape(6, -1);
            assertArrayEquals(new int[]{6, 4}, r.shape());
            assertTrue(r.isContiguous());
            Tensor e = be.fromHost(new float[]{5, 7}, 2, 1).expand(2, 3);
            assertArrayEquals(new float[]{5, 5, 5, 7, 7, 7}, e.toFloatArray());
            assertEquals(24, t.transpose(0, 2).numel());
        }
    }

    @Test void badViewsFailWithShapes() {
        try (Scope s = Scope.open()) {
            Tensor t = iota(2, 3);
            var ex = assertThrows(IllegalArgumentException.class, () -> t.reshape(4, 2));
            assertTrue(ex.getMessage().contains("[2, 3]") && ex.getMessage().contains("[4, 2]"), ex.getMessage());
            assertThrows(IllegalArgumentException.class, () -> t.transpose(0, 1).reshape(6));
            assertThrows(IllegalArgumentException.class, () -> t.slice(1, 2, 5));
            assertThrows(IllegalArgumentException.class, () -> t.permute(0, 0));
        }
    }

    @Test void closedScopeFreesTensorsAndUseFailsFast() {
        Tensor t;
        try (Scope s = Scope.open()) {
            t = iota(3, 3);
            assertEquals(1, s.size());
        }
        assertFalse(t.storage().alive());
        var ex = assertThrows(IllegalStateException.class, () -> be.unary(dev.groklab.backend.Unary.EXP, t, t));
        assertTrue(ex.getMessage().contains("freed"), ex.getMessage());
        assertThrows(IllegalStateException.class, () -> t.getDouble(0));
    }

    @Test void keepMovesResultToEnclosingScope() {
        Tensor kept;
        try (Scope outer = Scope.open()) {
            try (Scope inner = Scope.open()) {
                kept = iota(2);
                inner.keep(kept.storage());
            }
            assertTrue(kept.storage().alive());
        }
        assertFalse(kept.storage().alive());
    }

    @Test void repeatedStepsReuseMemory() {
        var cpu = (dev.groklab.backend.cpu.ReferenceBackend) be;
        for (int step = 0; step < 3; step++) {
            try (Scope s = Scope.open()) { iota(257, 33); iota(1000); }
        }
        long before = cpu.allocator().reservedBytes();
        for (int step = 0; step < 2000; step++) {
            try (Scope s = Scope.open()) { iota(257, 33); iota(1000); }
        }
        assertEquals(before, cpu.allocator().reservedBytes(), "a loop of identical steps must not grow off-heap memory");
    }

    @Test void segmentsAre64ByteAligned() {
        try (Scope s = Scope.open()) {
            for (int n : new int[]{1, 3, 17, 1001}) assertEquals(0, iota(n).segment().address() % 64);
        }
    }
}
