package dev.groklab.optim;

import dev.groklab.autodiff.Var;
import dev.groklab.backend.Backend;
import dev.groklab.backend.Binary;
import dev.groklab.nn.Params;
import dev.groklab.rng.PhiloxNormals;
import dev.groklab.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Gaussian noise shaped like an ensemble's parameters. Model m's values are one Philox sequence
 * over its parameters flattened in creation order: key (seeds[m], stream), counter (element / 4,
 * step), lanes by {@link PhiloxNormals#fill}. So the draw depends only on (model seed, step,
 * stream): reruns, resumed runs and every backend see the same numbers, and two models with the
 * same seed (a --wd grid) see the same noise.
 */
public final class ParamNoise {
    /** Philox streams of the low-loss-set methods; far from dropout's small site numbers. */
    public static final int WEIGHT_STREAM = 0x10E50001, GRAD_STREAM = 0x10E50002,
            HMC_MOMENTUM_STREAM = 0x10E50003, HMC_ACCEPT_STREAM = 0x10E50004;

    private ParamNoise() {}

    /** sigma · N(0, 1) for every parameter, by name, as new dense tensors on the parameters' device. */
    public static Map<String, Tensor> normals(Params params, long[] seeds, int stream, long step, double sigma) {
        List<String> names = params.names();
        int models = seeds.length;
        long perModel = params.countPerModel();
        if (perModel > Integer.MAX_VALUE - 4) throw new IllegalArgumentException("noise: " + perModel + " parameters per model is too many");
        float[][] host = new float[names.size()][];
        int[] per = new int[names.size()];
        for (int k = 0; k < names.size(); k++) {
            Tensor p = params.get(names.get(k)).value();
            per[k] = (int) (p.numel() / p.dim(0));
            host[k] = new float[models * per[k]];
        }
        float[] z = new float[(int) ((perModel + 3) & ~3L)];
        float s = (float) sigma;
        for (int m = 0; m < models; m++) {
            PhiloxNormals.fill((int) seeds[m], stream, 0, step, z, z.length);
            for (int k = 0, off = 0; k < names.size(); off += per[k], k++) {
                for (int i = 0; i < per[k]; i++) host[k][m * per[k] + i] = s * z[off + i];
            }
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int k = 0; k < names.size(); k++) {
            Var p = params.get(names.get(k));
            out.put(names.get(k), p.backend().fromHost(host[k], p.value().shape()));
        }
        return out;
    }

    /** Adds sigma · N(0, 1) to every parameter's value (in place). */
    public static void addToWeights(Params params, long[] seeds, int stream, long step, double sigma) {
        normals(params, seeds, stream, step, sigma).forEach((name, n) -> {
            Var p = params.get(name);
            p.backend().binary(Binary.ADD, p.value(), n, p.value());
        });
    }

    /** Adds sigma · N(0, 1) to every parameter's gradient (in place); parameters without a gradient are left alone. */
    public static void addToGradients(Params params, long[] seeds, int stream, long step, double sigma) {
        normals(params, seeds, stream, step, sigma).forEach((name, n) -> {
            Var p = params.get(name);
            if (p.grad() != null) p.backend().binary(Binary.ADD, p.grad(), n, p.grad());
        });
    }
}
