package dev.groklab.nn;

import dev.groklab.backend.Backend;
import dev.groklab.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * Parameter initialization on the host, one generator per (model seed, parameter name): model m
 * of an ensemble gets exactly the weights a solo run with seed m gets, on every backend.
 */
public final class Init {
    private Init() {}

    static SplittableRandom rng(long seed, String name) {
        long h = 1125899906842597L;
        for (int i = 0; i < name.length(); i++) h = 31 * h + name.charAt(i);
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ h);
    }

    /** [M, shape...] with model m ~ N(0, std²) drawn from seeds[m]. */
    public static Tensor normal(Backend be, long[] seeds, String name, double std, int... shape) {
        int per = 1;
        for (int d : shape) per *= d;
        float[] data = new float[seeds.length * per];
        for (int m = 0; m < seeds.length; m++) {
            SplittableRandom r = rng(seeds[m], name);
            for (int i = 0; i < per; i++) data[m * per + i] = (float) (std * r.nextGaussian());
        }
        return be.fromHost(data, withModels(seeds.length, shape));
    }

    /** [M, shape...] with model m ~ U(−bound, bound) drawn from seeds[m]. */
    public static Tensor uniform(Backend be, long[] seeds, String name, double bound, int... shape) {
        int per = 1;
        for (int d : shape) per *= d;
        float[] data = new float[seeds.length * per];
        for (int m = 0; m < seeds.length; m++) {
            SplittableRandom r = rng(seeds[m], name);
            for (int i = 0; i < per; i++) data[m * per + i] = (float) (bound * (2 * r.nextDouble() - 1));
        }
        return be.fromHost(data, withModels(seeds.length, shape));
    }

    /** [M, shape...] filled with a constant (biases 0, LayerNorm gains 1). */
    public static Tensor constant(Backend be, int models, double value, int... shape) {
        Tensor t = be.empty(dev.groklab.tensor.DType.F32, withModels(models, shape));
        be.fill(t, value);
        return t;
    }

    static int[] withModels(int models, int[] shape) {
        int[] s = new int[shape.length + 1];
        s[0] = models;
        System.arraycopy(shape, 0, s, 1, shape.length);
        return s;
    }
}
