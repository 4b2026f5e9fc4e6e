package dev.groklab.train;

/** Receives progress as training goes; the CLI draws a bar or prints lines. */
public interface Progress {
    void update(int step, int totalSteps, EvalRecord latest, double stepsPerSecond);

    Progress NONE = (s, t, r, sps) -> {};
}
