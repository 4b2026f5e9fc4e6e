package dev.groklab.autodiff;

import dev.groklab.backend.Backend;
import dev.groklab.backend.Backends;
import dev.groklab.backend.Binary;
import dev.groklab.tensor.Shapes;
import dev.groklab.tensor.Tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * A node of the reverse-mode tape: a value, its gradient, and how to push a gradient back to
 * its parents. Leaves that require gradients are parameters; everything else is recorded by
 * {@link Ops} while {@link Grad#enabled()}.
 */
public final class Var {
    /** Pushes this node's gradient into its parents' gradients. */
    @FunctionalInterface
    public interface Backward { void apply(Tensor grad); }

    private final String op;
    private final Tensor value;
    private final Var[] parents;
    private final Backward backward;
    private final boolean requiresGrad;
    private Tensor grad;
    private boolean gradOwned;

    private Var(String op, Tensor value, Var[] parents, Backward backward, boolean requiresGrad) {
        this.op = op;
        this.value = value;
        this.parents = parents;
        this.backward = backward;
        this.requiresGrad = requiresGrad;
    }

    /** A parameter: a leaf whose gradient is kept. */
    public static Var param(Tensor value) { return new Var("param", value, new Var[0], null, true); }

    /** A constant: no gradient flows into it. */
    public static Var constant(Tensor value) { return new Var("const", value, new Var[0], null, false); }

    /** Records an op's result; with the tape off, or no parent needing gradients, it is a constant. */
    static Var of(String op, Tensor value, Var[] parents, Backward backward) {
        boolean needs = false;
        if (Grad.enabled()) for (Var p : parents) needs |= p.requiresGrad;
        return needs ? new Var(op, value, parents, backward, true) : new Var(op, value, new Var[0], null, false);
    }

    public Tensor value() { return value; }
    public String op() { return op; }
    public boolean requiresGrad() { return requiresGrad; }
    public int[] shape() { return value.shape(); }
    public Backend backend() { return Backends.of(value); }

    /**
     * The accumulated gradient of a leaf (parameter or input), or null before any backward pass
     * reached it. Inner nodes give theirs up during the backward pass and return null.
     */
    public Tensor grad() { return grad; }

    public void zeroGrad() { grad = null; gradOwned = false; }

    /**
     * Adds g to this node's gradient. {@code owned} means g is a fresh dense tensor nobody else
     * holds, so it can be adopted without a copy; broadcast results are summed down first.
     */
    void accumulate(Tensor g, boolean owned) {
        if (!requiresGrad) return;
        owned |= grad == null && g.sameShape(value) && takeDonation(g);
        Backend be = Backends.of(g);
        if (!g.sameShape(value)) {
            Tensor r = be.empty(value.dtype(), value.shape());
            be.sumTo(g, r, false);
            g = r;
            owned = true;
        }
        if (grad == null) {
            if (owned && g.isContiguous() && g.dtype() == value.dtype()) {
                grad = g;
            } else {
                grad = be.empty(value.dtype(), value.shape());
                be.copy(g, grad);
            }
            gradOwned = true;
        } else {
            be.binary(Binary.ADD, grad, g, grad);
        }
    }

    /**
     * Adds g to a region of this node's gradient (a slice's or a view's backward); {@code region}
     * maps the dense gradient to it. The first time the rest is zero-filled, later the region alone
     * is read and written, so the rest of the gradient is neither rewritten nor read.
     */
    void accumulateRegion(Tensor g, UnaryOperator<Tensor> region) {
        if (!requiresGrad) return;
        Backend be = Backends.of(g);
        if (grad == null) {
            grad = be.empty(value.dtype(), value.shape());
            be.fill(grad, 0);
            gradOwned = true;
            be.copy(g, region.apply(grad));
        } else {
            Tensor r = region.apply(grad), sum = be.empty(value.dtype(), r.shape());
            be.binary(Binary.ADD, r, g, sum);
            be.copy(sum, r);
        }
    }

    /** Back-propagates from a scalar (numel 1): d self / d self = 1. */
    public void backward() {
        if (value.numel() != 1) {
            throw new IllegalArgumentException("backward: needs a scalar, got shape " + Shapes.str(value.shape())
                    + "; pass a seed gradient instead");
        }
        Backend be = backend();
        Tensor one = be.empty(value.dtype(), value.shape());
        be.fill(one, 1);
        backward(one);
    }

    /** Back-propagates a seed gradient of this node's shape through the tape. */
    public void backward(Tensor seed) {
        if (!requiresGrad) throw new IllegalStateException("backward: " + op + " does not depend on any parameter");
        if (!seed.sameShape(value)) {
            throw new IllegalArgumentException("backward: seed " + Shapes.str(seed.shape()) + " vs value " + Shapes.str(value.shape()));
        }
        List<Var> order = topologicalOrder();
        accumulate(seed, false);
        for (Var v : order) {
            if (v.backward == null || v.grad == null) continue;
            // An inner node's gradient is not kept after its backward (only leaves keep theirs, as
            // in PyTorch), so the first parent that receives it whole (an addition's operand, a
            // reshape's input) may keep it as its own gradient instead of copying it.
            DONATED.set(v.grad);
            try {
                v.backward.apply(v.grad);
            } finally {
                DONATED.remove();
                v.grad = null;
                v.gradOwned = false;
            }
        }
    }

    /** The gradient the node being back-propagated gives away (see {@link #backward(Tensor)}). */
    private static final ThreadLocal<Tensor> DONATED = new ThreadLocal<>();

    /** Whether g is the donated gradient or a whole, same-order view of it (a reshape); the first caller takes it. */
    private static boolean takeDonation(Tensor g) {
        Tensor d = DONATED.get();
        if (d == null) return false;
        boolean whole = g == d || (g.storage() == d.storage() && g.offset() == d.offset() && g.numel() == d.numel()
                && g.isContiguous() && d.isContiguous() && g.dtype() == d.dtype());
        if (whole) DONATED.set(null);
        return whole;
    }

    /** Nodes reachable from this one, each after every node that uses it (iterative DFS). */
    private List<Var> topologicalOrder() {
        List<Var> post = new ArrayList<>();
        Set<Var> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[]{this, 0});
        seen.add(this);
        while (!stack.isEmpty()) {
            Object[] top = stack.peek();
            Var v = (Var) top[0];
            int i = (Integer) top[1];
            if (i < v.parents.length) {
                top[1] = i + 1;
                Var p = v.parents[i];
                if (p.requiresGrad && seen.add(p)) stack.push(new Object[]{p, 0});
            } else {
                stack.pop();
                post.add(v);
            }
        }
        Collections.reverse(post);
        return post;
    }

    @Override public String toString() { return "Var(" + op + ", " + value + ")"; }
}
