package dev.groklab.walkers;

/** Advances every walker by a number of {@link LangevinStep}s in one call. */
public interface LangevinKernel {
    /** Steps stepFrom .. stepFrom + steps − 1 (the step number names the noise draw). */
    void advance(LangevinStep step, Walkers w, int stepFrom, int steps);

    String name();
}
