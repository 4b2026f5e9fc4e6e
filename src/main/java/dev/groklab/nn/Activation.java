package dev.groklab.nn;

import dev.groklab.autodiff.Ops;
import dev.groklab.autodiff.Var;

/** Hidden-layer non-linearities. */
public enum Activation {
    RELU, GELU;

    public Var apply(Var x) { return this == RELU ? Ops.relu(x) : Ops.gelu(x); }

    public static Activation parse(String s) {
        return switch (s.toLowerCase()) {
            case "relu" -> RELU;
            case "gelu" -> GELU;
            default -> throw new IllegalArgumentException("--act: unknown activation '" + s + "' (allowed: relu, gelu)");
        };
    }
}
