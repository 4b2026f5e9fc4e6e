package dev.groklab.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Owns the storages allocated while it is the current scope of its thread and releases them
 * when closed. A training step opens one scope, so temporaries of a million steps reuse the same
 * pooled memory instead of growing it. Scopes nest; the outermost is a never-closed root.
 */
public final class Scope implements AutoCloseable {
    private static final ThreadLocal<Deque<Scope>> STACK = ThreadLocal.withInitial(() -> {
        Deque<Scope> d = new ArrayDeque<>();
        d.push(new Scope(null));
        return d;
    });

    private final Thread owner;
    private final List<Storage> owned = new ArrayList<>();
    private boolean closed;

    private Scope(Thread owner) { this.owner = owner; }

    /** Opens a scope that becomes current on this thread until closed. */
    public static Scope open() {
        Scope s = new Scope(Thread.currentThread());
        STACK.get().push(s);
        return s;
    }

    public static Scope current() { return STACK.get().peek(); }

    /** Registers a new storage with the current scope. */
    public static <S extends Storage> S track(S storage) {
        current().owned.add(storage);
        return storage;
    }

    /** Moves a storage out of this scope into the enclosing one (a result that must outlive the step). */
    public void keep(Storage storage) {
        if (!owned.remove(storage)) throw new IllegalArgumentException("keep: storage is not owned by this scope");
        Deque<Scope> d = STACK.get();
        boolean found = false;
        for (Scope s : d) {
            if (found) { s.owned.add(storage); return; }
            if (s == this) found = true;
        }
        throw new IllegalStateException("keep: scope has no enclosing scope");
    }

    public int size() { return owned.size(); }

    @Override public void close() {
        if (closed) return;
        if (owner == null) throw new IllegalStateException("the root scope cannot be closed");
        if (Thread.currentThread() != owner) throw new IllegalStateException("scope closed on a thread that did not open it");
        Deque<Scope> d = STACK.get();
        if (d.peek() != this) throw new IllegalStateException("scopes must be closed innermost first");
        d.pop();
        closed = true;
        for (int i = owned.size() - 1; i >= 0; i--) owned.get(i).release();
        owned.clear();
    }
}
