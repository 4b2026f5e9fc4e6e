package dev.groklab.optim;

import dev.groklab.nn.Params;
import dev.groklab.tensor.Tensor;

import java.util.Map;

/** Updates an ensemble's parameters from their gradients; model m uses lr[m]. */
public interface Optimizer {
    /** One update; {@code step} is 1-based; {@code lr} already includes the schedule. */
    void step(Params params, int step, float[] lr);

    /** Named state tensors (moments, momentum buffers) for checkpoints; restored in place. */
    Map<String, Tensor> state();
}
