package dev.groklab.nn;

import dev.groklab.autodiff.Var;
import dev.groklab.tensor.Tensor;

import java.util.function.UnaryOperator;

/**
 * A model whose hidden neurons can be read and replaced: the network is cut after a hidden
 * layer's activation, and the rest runs from any activation given (scaled for integrated
 * gradients, masked for ablation). Cuts run in evaluation mode with the weights frozen
 * (constants), so a backward pass from the logits stops at the activation and never touches
 * the parameters' gradients.
 */
public interface NeuronAccess extends Model {
    /** Hidden layers whose neurons can be cut at. */
    int neuronLayers();

    /** Neurons of hidden layer {@code layer}. */
    int neurons(int layer);

    /** Runs ids (as {@link #inputIds} gives them) up to hidden layer {@code layer}'s activation. */
    Cut cut(Tensor ids, int batch, int layer);

    /**
     * A network cut at one hidden layer.
     *
     * @param activation the post-activation values [M, batch·positions, H] (a constant)
     * @param positions  rows of the activation per example (1 for an MLP, the sequence length for a transformer)
     * @param rest       the network after the cut: an activation of the same shape → logits [M, batch, classes]
     */
    record Cut(Var activation, int positions, UnaryOperator<Var> rest) {
        public Var logits(Var activation) { return rest.apply(activation); }

        public int neurons() { return activation.value().dim(-1); }
    }
}
