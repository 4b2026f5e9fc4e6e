package dev.groklab.tensor;

import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

/** Host memory: a 64-byte aligned off-heap segment, handed back to its pool on release. */
public final class CpuStorage extends Storage {
    private final MemorySegment segment;
    private final Consumer<MemorySegment> onFree;

    public CpuStorage(MemorySegment segment, Consumer<MemorySegment> onFree) {
        super(Device.CPU, segment.byteSize());
        this.segment = segment;
        this.onFree = onFree;
    }

    public MemorySegment segment() { return segment; }

    @Override protected void free() { onFree.accept(segment); }
}
