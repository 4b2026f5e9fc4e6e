package dev.groklab.backend.cuda;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The GPU time of each operation of a piece of work, in launch order ({@link CudaBackend#profile}).
 * {@code spinMs} is how long the GPU was held before the work started and {@code enqueueMs} how
 * long the host took to enqueue it: when enqueuing took longer than the hold, the GPU may have
 * waited for launches and the times include that wait ({@link #hostBound}).
 */
public record KernelProfile(List<Op> ops, double spinMs, double enqueueMs) {
    /** One kernel launch (detail: its grid and block) or copy (detail: its bytes) and its GPU milliseconds. */
    public record Op(String name, String detail, double ms) {}

    /** Every launch of one kernel (or copy kind) together. */
    public record Totals(String name, int launches, double ms) {}

    public KernelProfile {
        ops = List.copyOf(ops);
    }

    public double totalMs() {
        double t = 0;
        for (Op o : ops) t += o.ms;
        return t;
    }

    public boolean hostBound() { return enqueueMs >= spinMs; }

    /** Totals per name, the largest first. */
    public List<Totals> byName() {
        Map<String, double[]> acc = new LinkedHashMap<>();
        for (Op o : ops) {
            double[] a = acc.computeIfAbsent(o.name, k -> new double[2]);
            a[0]++;
            a[1] += o.ms;
        }
        List<Totals> out = new ArrayList<>();
        acc.forEach((name, a) -> out.add(new Totals(name, (int) a[0], a[1])));
        out.sort(Comparator.comparingDouble(Totals::ms).reversed());
        return out;
    }
}
