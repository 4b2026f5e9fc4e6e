package dev.groklab.data;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TaskTest {
    @Test void parsesEveryCliName() {
        for (Task t : Task.values()) {
            assertEquals(t, Task.parse(t.cliName()));
            assertEquals(t, Task.parse(" " + t.cliName().toUpperCase() + " "));
        }
        assertEquals(13, Task.values().length);
        assertEquals(Task.X2_XY_Y2_X, Task.parse("x2+xy+y2+x"));
    }

    @Test void badNameListsEveryValidName() {
        for (String bad : new String[]{"addition", "", "x^2+y^2"}) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Task.parse(bad));
            String m = e.getMessage();
            assertFalse(m.contains("\n"));
            if (!bad.isEmpty()) assertTrue(m.contains("'" + bad + "'"), m);
            for (Task t : Task.values()) assertTrue(m.contains(t.cliName()), m);
        }
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Task.parse(null));
    }

    @Test void fieldAndPermutationFlags() {
        for (Task t : Task.values()) {
            assertEquals(t == Task.DIV || t == Task.DIV_OR_SUB, t.needsField(), t.cliName());
            assertEquals(t.cliName().startsWith("s5"), t.isPermutation(), t.cliName());
        }
        assertEquals(97L * 96, Task.DIV.rowCount(97));
        assertEquals(97L * 97, Task.DIV_OR_SUB.rowCount(97));
        assertEquals(14_400L, Task.S5_CONJ.rowCount(5));
    }

    @Test void fermatInverse() {
        for (int p : new int[]{2, 7, 97, 113, 65_521}) {
            for (int y = 1; y < Math.min(p, 500); y++) {
                assertEquals(1, y * Task.modPow(y, p - 2, p) % p);
            }
        }
    }
}
