package dev.groklab.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What a captured step did, in order (kernel launches and device copies), and the argument
 * arena: a device buffer holding every host-provided value of the step (optimizer
 * hyper-parameters, dropout counters, uploaded host data), with its host image. On replay the
 * step's Java code runs again without launching anything: each operation is checked against
 * the captured one (same kernel, geometry and argument bytes, so the same buffers), the host
 * values land at the same arena offsets, and one copy of the arena precedes the graph launch.
 */
final class GraphRecording {
    record Op(String name, long function, int[] geometry, byte[] bytes) {}

    private static final long ALIGN = 256;

    final List<Op> ops = new ArrayList<>();
    final long arenaDevice, arenaCapacity;
    final MemorySegment arenaHost;
    long arenaUsed;
    int cursor;
    boolean replaying;

    GraphRecording(long arenaDevice, long arenaCapacity) {
        this.arenaDevice = arenaDevice;
        this.arenaCapacity = arenaCapacity;
        this.arenaHost = Arena.ofAuto().allocate(arenaCapacity, ALIGN);
    }

    void beginReplay() {
        replaying = true;
        cursor = 0;
        arenaUsed = 0;
    }

    /** Copies host bytes into the arena; returns their device address. */
    long stage(MemorySegment src, long bytes) {
        long off = (arenaUsed + ALIGN - 1) / ALIGN * ALIGN;
        if (off + bytes > arenaCapacity) {
            throw new IllegalStateException("CUDA graph step: the argument arena (" + arenaCapacity + " bytes) is full; "
                    + "host data uploaded inside the step needs " + (off + bytes) + " bytes or more (pass a larger arena)");
        }
        MemorySegment.copy(src, 0, arenaHost, off, bytes);
        arenaUsed = off + bytes;
        return arenaDevice + off;
    }

    void record(String name, long function, int[] geometry, byte[] bytes) {
        ops.add(new Op(name, function, geometry, bytes));
    }

    /** Checks the next operation of a replay against the captured one. */
    void verify(String name, long function, int[] geometry, byte[] data, int length) {
        if (cursor >= ops.size()) {
            throw mismatch("operation " + cursor + " (" + name + ") was not in the captured step, which had " + ops.size());
        }
        Op op = ops.get(cursor);
        boolean same = op.function == function && Arrays.equals(op.geometry, geometry)
                && Arrays.equals(op.bytes, 0, op.bytes.length, data, 0, length);
        if (!same) {
            throw mismatch("operation " + cursor + " (" + name + ") differs from the captured " + op.name
                    + (op.name.equals(name) ? " (" + difference(op, function, geometry, data, length) + ")" : ""));
        }
        cursor++;
    }

    /** Where a replayed operation first differs from the captured one, for the error message. */
    private static String difference(Op op, long function, int[] geometry, byte[] data, int length) {
        if (!Arrays.equals(op.geometry, geometry)) {
            return "launch geometry " + Arrays.toString(geometry) + ", captured " + Arrays.toString(op.geometry);
        }
        if (length != op.bytes.length) return length + " argument bytes, captured " + op.bytes.length;
        int at = Arrays.mismatch(op.bytes, 0, length, data, 0, length);
        if (at < 0) return "another function";
        int word = at & ~7;
        return "argument bytes differ from offset " + at + ": 8 bytes at " + word + " are 0x" + hex(data, word, length)
                + ", captured 0x" + hex(op.bytes, word, length) + " (a buffer address when the argument is a pointer)";
    }

    private static String hex(byte[] b, int from, int length) {
        StringBuilder sb = new StringBuilder();
        for (int i = Math.min(length, from + 8) - 1; i >= from; i--) sb.append(String.format("%02x", b[i] & 0xff));
        return sb.toString();
    }

    void endReplay() {
        replaying = false;
        if (cursor != ops.size()) {
            throw mismatch("the replayed step ran " + cursor + " operations, the captured one " + ops.size());
        }
    }

    /** A replayed step that is not the captured one; thrown before anything of it is launched. */
    static final class Mismatch extends IllegalStateException {
        Mismatch(String message) { super(message); }
    }

    static Mismatch mismatch(String what) {
        return new Mismatch("CUDA graph step: " + what + ". A replayed step must repeat the captured "
                + "computation: same shapes, same allocation order (capture after a warm-up step), and values that change "
                + "between steps passed only through kernel argument blocks (optimizer steps, dropout counters) or host uploads");
    }
}
