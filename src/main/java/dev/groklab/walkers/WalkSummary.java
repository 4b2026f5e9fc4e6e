package dev.groklab.walkers;

/**
 * The numbers a run reports. Mass "near" is the fraction of in-window samples (or Gibbs mass)
 * within {@code radius} of the singular point; {@code ratio} = empirical / Gibbs. Graph walks
 * report the crossing's visits over the mean of the other nodes and the degree ratio instead.
 * Numbers that do not apply to the run are null.
 */
public record WalkSummary(String preset, String dynamics, String potential, String domain, int walkers, int steps,
                          long samples, String kernel, Double gibbsTemperature, Double radius,
                          Double empiricalMassNear, Double gibbsMassNear, Double ratio, Double uniformMassNear,
                          Double fractionInWindow, Double meanX0, Double meanX1, Double varX0, Double varX1,
                          Double acceptanceRate, Double originToMeanRatio, Double degreeRatio,
                          double seconds, double walkerStepsPerSecond) {
}
