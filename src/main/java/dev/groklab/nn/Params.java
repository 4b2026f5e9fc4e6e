package dev.groklab.nn;

import dev.groklab.autodiff.Var;
import dev.groklab.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A model's named parameters, in creation order; every one has a leading model axis. */
public final class Params {
    private final LinkedHashMap<String, Var> byName = new LinkedHashMap<>();

    public Var add(String name, Tensor init) {
        if (byName.containsKey(name)) throw new IllegalArgumentException("parameter " + name + " defined twice");
        Var v = Var.param(init);
        byName.put(name, v);
        return v;
    }

    public Var get(String name) { return byName.get(name); }

    public List<String> names() { return new ArrayList<>(byName.keySet()); }

    public List<Var> vars() { return new ArrayList<>(byName.values()); }

    public Map<String, Var> asMap() { return Collections.unmodifiableMap(byName); }

    public int size() { return byName.size(); }

    /** Elements per model, summed over all parameters. */
    public long countPerModel() {
        long n = 0;
        for (Var v : byName.values()) n += v.value().numel() / v.value().dim(0);
        return n;
    }

    public void zeroGrads() { for (Var v : byName.values()) v.zeroGrad(); }
}
