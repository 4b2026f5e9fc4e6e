package dev.groklab.train;

import dev.groklab.io.RunDirectory;
import dev.groklab.io.Safetensors;
import dev.groklab.nn.Params;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Shapes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * --init-from: loads the param.* tensors of a run directory's checkpoint into fresh weights
 * (optimizer state and step counter are not taken). A checkpoint of M models fills a run of M
 * models; a checkpoint of one model is copied into every model of the run.
 */
public final class InitFrom {
    private InitFrom() {}

    /** "RUN_DIR" or "RUN_DIR@STEP" → the checkpoint file, checked to exist. */
    static Path checkpoint(String spec) {
        String dir = spec;
        Long step = null;
        int at = spec.lastIndexOf('@');
        if (at > 0 && at < spec.length() - 1 && spec.substring(at + 1).chars().allMatch(Character::isDigit)) {
            dir = spec.substring(0, at);
            step = Long.parseLong(spec.substring(at + 1));
        }
        Path d = Path.of(dir);
        if (!Files.isDirectory(d)) throw new IllegalArgumentException("--init-from: " + d + " is not a run directory");
        try {
            RunDirectory rd = RunDirectory.open(d, true);
            if (step == null) {
                return rd.latestCheckpoint().orElseThrow(() ->
                        new IllegalArgumentException("--init-from: " + d + " has no checkpoints"));
            }
            Path c = rd.checkpoint(step);
            if (!Files.isRegularFile(c)) {
                String latest = rd.latestCheckpoint().map(p -> ", latest is step " + RunDirectory.checkpointStep(p)).orElse(", it has none");
                throw new IllegalArgumentException("--init-from: " + d + " has no checkpoint of step " + step + latest);
            }
            return c;
        } catch (IOException e) {
            throw new IllegalArgumentException("--init-from: cannot read " + d + ": " + e.getMessage());
        }
    }

    /** Overwrites every parameter with the checkpoint's values. */
    public static void load(Params params, int models, String spec) {
        Path file = checkpoint(spec);
        Safetensors.Contents saved;
        try {
            saved = Safetensors.read(file);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("--init-from: cannot read " + file + ": " + e.getMessage());
        }
        try (Scope sc = Scope.open()) {
            for (String name : params.names()) {
                String key = "param." + name;
                var p = params.get(name);
                int[] live = p.value().shape();
                if (!saved.contains(key)) throw new IllegalArgumentException("--init-from: " + file + " lacks " + key);
                int[] stored = saved.entry(key).shape();
                int[] one = live.clone();
                one[0] = 1;
                float[] values = saved.floats(key);
                if (Arrays.equals(stored, live)) {
                    p.backend().copy(p.backend().fromHost(values, live), p.value());
                } else if (Arrays.equals(stored, one)) {
                    float[] all = new float[values.length * models];
                    for (int m = 0; m < models; m++) System.arraycopy(values, 0, all, m * values.length, values.length);
                    p.backend().copy(p.backend().fromHost(all, live), p.value());
                } else {
                    throw new IllegalArgumentException("--init-from: " + key + " has shape " + Shapes.str(stored)
                            + " in the checkpoint but " + Shapes.str(live) + " in this run");
                }
            }
        }
    }
}
