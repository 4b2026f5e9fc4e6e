package dev.groklab.circuits;

import dev.groklab.backend.Backend;
import dev.groklab.nn.Activation;
import dev.groklab.nn.Mlp;
import dev.groklab.nn.MlpConfig;

import java.util.Random;

/** Small MLPs and random labelled pairs for the circuit tests. */
final class CircuitFixtures {
    static final int VOCAB = 12, CLASSES = 11;

    private CircuitFixtures() {}

    static Mlp mlp(Backend be, int embed, int[] hidden, boolean biases, long... seeds) {
        return new Mlp(be, new MlpConfig(VOCAB, 3, CLASSES, embed, hidden, Activation.RELU, biases), seeds);
    }

    /** Random [x, y, =] sequences with random labels, as the model reads them. */
    static Examples examples(Backend be, Mlp model, int count, Random r) {
        int[] seq = new int[3 * count], labels = new int[count];
        for (int b = 0; b < count; b++) {
            seq[3 * b] = r.nextInt(CLASSES);
            seq[3 * b + 1] = r.nextInt(CLASSES);
            seq[3 * b + 2] = VOCAB - 1;
            labels[b] = r.nextInt(CLASSES);
        }
        return Examples.of(be, model.inputIds(seq, 3), labels);
    }
}
