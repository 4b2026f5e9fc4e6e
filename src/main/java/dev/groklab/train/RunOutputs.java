package dev.groklab.train;

import dev.groklab.tensor.Tensor;

import java.util.LinkedHashMap;

/** Where a training run streams its measurements and checkpoints. */
public interface RunOutputs {
    void evaluation(EvalRecord record);

    /** Saves the full training state (weights, optimizer state) reached after {@code step} steps. */
    void checkpoint(int step, LinkedHashMap<String, Tensor> state);

    /** Outputs that keep nothing (tests, benchmarks). */
    RunOutputs NONE = new RunOutputs() {
        @Override public void evaluation(EvalRecord record) {}
        @Override public void checkpoint(int step, LinkedHashMap<String, Tensor> state) {}
    };
}
