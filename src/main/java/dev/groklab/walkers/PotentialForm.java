package dev.groklab.walkers;

/**
 * The one shape every toy potential takes:
 * U(x) = a·min_k (n_k·(x − p))² + q·‖x − p‖² + λ/2·‖x − c‖²,
 * with D ≥ 0 unit normals n_k of valley lines through the point p. D = 2 with axis normals is
 * the crossing, D = 1 a single valley, D = 0 with q > 0 the paraboloid.
 *
 * <p>{@link #gradient} fixes the float32 operation sequence (fused multiply-adds included) that
 * the SIMD kernels repeat lane by lane, so the kernels differ only where the math library does.
 * Ties between valleys go to the lowest k.
 */
public record PotentialForm(float a, float px, float py, float[] nx, float[] ny, float q,
                            float lambda, float cx, float cy) {
    public static final int MAX_LINES = 16;

    /** Layouts the kernels specialise on. */
    public enum Kind { QUADRATIC, VALLEY_X0, CROSSING_AXES, LINES }

    public PotentialForm {
        if (nx.length != ny.length || nx.length > MAX_LINES) throw new IllegalArgumentException("bad line normals");
        nx = nx.clone();
        ny = ny.clone();
    }

    /** q·‖x − p‖² (no valleys). */
    static PotentialForm quadratic(float q, float px, float py, float lambda) {
        return new PotentialForm(0, px, py, new float[0], new float[0], q, lambda, 0, 0);
    }

    /**
     * a·min over D valley lines through (b, b). D = 1: a·(x0 − b)²; D = 2: a·min((x0 − b)², (x1 − b)²);
     * D ≥ 3: normals at angles kπ/D, so the lines cross at equal angles.
     */
    static PotentialForm lines(float a, float b, int d) {
        float[] nx = new float[d], ny = new float[d];
        if (d <= 2) {
            nx[0] = 1;
            if (d == 2) ny[1] = 1;
        } else {
            for (int k = 0; k < d; k++) {
                double t = Math.PI * k / d;
                nx[k] = exactZero(Math.cos(t));
                ny[k] = exactZero(Math.sin(t));
            }
        }
        return new PotentialForm(a, b, b, nx, ny, 0, 0, 0, 0);
    }

    private static float exactZero(double v) { return Math.abs(v) < 1e-12 ? 0f : (float) v; }

    /** This form plus λ/2·‖x − c‖². */
    PotentialForm withL2(float lambda, float c0, float c1) {
        return new PotentialForm(a, px, py, nx, ny, q, lambda, c0, c1);
    }

    public int lines() { return nx.length; }

    public Kind kind() {
        if (nx.length == 0) return Kind.QUADRATIC;
        if (nx.length == 1 && nx[0] == 1 && ny[0] == 0) return Kind.VALLEY_X0;
        if (nx.length == 2 && nx[0] == 1 && ny[0] == 0 && nx[1] == 0 && ny[1] == 1) return Kind.CROSSING_AXES;
        return Kind.LINES;
    }

    /** 2a, the factor of the valley gradient. */
    public float twoA() { return 2 * a; }

    /** Coefficient of x in the quadratic part of the gradient: 2q + λ. */
    public float kq() { return 2 * q + lambda; }

    /** Constant of the quadratic part of the gradient, x0 axis: 2q·px + λ·cx. */
    public float kcx() { return 2 * q * px + lambda * cx; }

    /** Constant of the quadratic part of the gradient, x1 axis: 2q·py + λ·cy. */
    public float kcy() { return 2 * q * py + lambda * cy; }

    /** U at (x0, x1), in double: for Gibbs integrals and the HMC energy. */
    public double value(double x0, double x1) {
        double dx = x0 - px, dy = x1 - py, u = 0;
        if (nx.length > 0) {
            double best = Double.POSITIVE_INFINITY;
            for (int k = 0; k < nx.length; k++) {
                double d = nx[k] * dx + ny[k] * dy;
                best = Math.min(best, d * d);
            }
            u = a * best;
        }
        double ex = x0 - cx, ey = x1 - cy;
        return u + q * (dx * dx + dy * dy) + 0.5 * lambda * (ex * ex + ey * ey);
    }

    /** ∇U at (x0, x1) into g[0], g[1], in the float32 sequence the kernels share. */
    public void gradient(float x0, float x1, float[] g) {
        float kq = kq();
        float g0 = Math.fma(kq, x0, -kcx()), g1 = Math.fma(kq, x1, -kcy());
        int d = nx.length;
        if (d > 0) {
            float dx = x0 - px, dy = x1 - py;
            float bd = Math.fma(nx[0], dx, ny[0] * dy), bnx = nx[0], bny = ny[0], b2 = bd * bd;
            for (int k = 1; k < d; k++) {
                float dk = Math.fma(nx[k], dx, ny[k] * dy), d2 = dk * dk;
                if (d2 < b2) { b2 = d2; bd = dk; bnx = nx[k]; bny = ny[k]; }
            }
            float s = twoA() * bd;
            g0 = Math.fma(s, bnx, g0);
            g1 = Math.fma(s, bny, g1);
        }
        g[0] = g0;
        g[1] = g1;
    }
}
