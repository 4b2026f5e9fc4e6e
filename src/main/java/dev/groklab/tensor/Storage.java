package dev.groklab.tensor;

/**
 * A block of device memory owned by a {@link Scope}. Once released, every use fails at once
 * (the bytes may already belong to another tensor).
 */
public abstract class Storage {
    private final Device device;
    private final long bytes;
    private volatile boolean alive = true;

    protected Storage(Device device, long bytes) {
        this.device = device;
        this.bytes = bytes;
    }

    public final Device device() { return device; }

    public final long bytes() { return bytes; }

    public final boolean alive() { return alive; }

    public final void checkAlive(String op) {
        if (!alive) throw new IllegalStateException(op + ": tensor storage was freed (its scope is closed)");
    }

    /** Returns the memory to its allocator; idempotent. */
    public final void release() {
        if (!alive) return;
        alive = false;
        free();
    }

    protected abstract void free();
}
