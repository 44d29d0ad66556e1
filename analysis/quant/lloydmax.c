/* lloydmax.c: the Lloyd-Max quantizer of a unit Gaussian by Lloyd's
 * iteration (quant.h), the optimum the report's SQNR figures draw beside
 * the rate-distortion line.
 *
 * With L = 2^bits levels, symmetric about 0, only the m = L/2 positive
 * levels y_1 < ... < y_m are iterated; their cells are [t_{i-1}, t_i] with
 * t_0 = 0, t_i = (y_i + y_{i+1}) / 2, t_m = +inf.  For a cell [a, b] of the
 * standard normal (density phi, upper tail Q(x) = erfc(x / sqrt 2) / 2):
 *   P = Q(a) - Q(b)                      its probability
 *   M = phi(a) - phi(b)                  = integral of x phi(x)
 *   E = P + a phi(a) - b phi(b)          = integral of x^2 phi(x)
 *   centroid y = M / P,  error = E - 2 y M + y^2 P
 * Q through erfc keeps the tails accurate (1 - Phi would cancel).  The
 * levels are found by Newton's method on the centroid condition (below).
 * The start is Panter and Dite's companded grid (point density proportional to
 * phi^(1/3), a normal of variance 3): y_i = sqrt 3 Phi^-1((i - 1/2) / L).
 */
#include "quant.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "dist.h"

static double phi(double x)
{
    return isinf(x) ? 0.0 : exp(-0.5 * x * x) * 0.39894228040143267794; /* 1/sqrt(2 pi) */
}

static double upper_tail(double x)
{
    return 0.5 * erfc(x * 0.70710678118654752440);
}

static double x_phi(double x)
{
    return isinf(x) ? 0.0 : x * phi(x);
}

int fpq_lloydmax_gauss(double *levels, double *mse, unsigned *iters, unsigned bits, unsigned max_iter,
                       fpq_errbuf *err)
{
    if (bits < 1 || bits > 12)
        return fpq_err(err, FPQ_ERR_ARG, "Lloyd-Max: %u bits; 1 to 12", bits);
    if (max_iter == 0)
        max_iter = 1000000;
    const size_t L = (size_t)1 << bits, m = L / 2;
    double *y = malloc(m * sizeof *y), *t = malloc((m + 1) * sizeof *t);
    if (!y || !t) {
        free(y);
        free(t);
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    }
    for (size_t i = 0; i < m; i++)
        y[i] = sqrt(3.0) * fpq_norm_quantile(((double)(m + i) + 0.5) / (double)L);

    /* Newton's method on F(y) = y - c(y), c the centroids of y's cells:
     * the Jacobian is tridiagonal, since centroid i moves with its two
     * bounds only: dc/da = phi(a) (c - a) / P, dc/db = phi(b) (b - c) / P,
     * each bound half of each neighbour level.  A step that would break
     * the order of the levels is replaced by Lloyd's (y = c).  Lloyd's
     * iteration alone needs rounds in proportion to the square of the
     * number of levels (over 10^6 at 10 bits); this needs a few dozen. */
    double *c = malloc(m * sizeof *c), *lo = malloc(m * sizeof *lo), *di = malloc(m * sizeof *di),
           *up = malloc(m * sizeof *up), *r = malloc(m * sizeof *r);
    if (!c || !lo || !di || !up || !r) {
        free(c), free(lo), free(di), free(up), free(r), free(y), free(t);
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    }
    unsigned it = 0;
    double move = INFINITY, last = INFINITY;
    bool converged = false;
    while (it < max_iter) {
        t[0] = 0;
        for (size_t i = 1; i < m; i++)
            t[i] = 0.5 * (y[i - 1] + y[i]);
        t[m] = INFINITY;
        move = 0;
        bool singular = false;
        for (size_t i = 0; i < m; i++) {
            double a = t[i], b = t[i + 1];
            double P = upper_tail(a) - upper_tail(b);
            double M = phi(a) - phi(b);
            c[i] = P > 0 ? M / P : y[i];
            r[i] = y[i] - c[i];
            if (fabs(r[i]) > move)
                move = fabs(r[i]);
            double ga = i > 0 && P > 0 ? phi(a) * (c[i] - a) / P : 0;
            double gb = i + 1 < m && P > 0 ? phi(b) * (b - c[i]) / P : 0;
            lo[i] = -0.5 * ga;
            up[i] = -0.5 * gb;
            di[i] = 1 - 0.5 * (ga + gb);
            singular |= P <= 0;
        }
        it++;
        /* done at 1e-13, or below 1e-10 once a round no longer halves the
         * move: the centroids' rounding error (P is a difference of tails)
         * is then all that is left */
        if (move <= 1e-13 || (move <= 1e-10 && move > 0.5 * last)) {
            for (size_t i = 0; i < m; i++)
                y[i] = c[i];
            converged = true;
            break;
        }
        last = move;
        /* Thomas's algorithm for J d = -r, into r */
        bool ok = !singular;
        for (size_t i = 1; i < m && ok; i++) {
            if (di[i - 1] == 0) {
                ok = false;
                break;
            }
            double w = lo[i] / di[i - 1];
            di[i] -= w * up[i - 1];
            r[i] -= w * r[i - 1];
        }
        if (ok && di[m - 1] != 0) {
            r[m - 1] = -r[m - 1] / di[m - 1];
            for (size_t i = m - 1; i-- > 0;)
                r[i] = (-r[i] - up[i] * r[i + 1]) / di[i];
            for (size_t i = 0; i < m && ok; i++) { /* the stepped levels, in order */
                double v = y[i] + r[i];
                ok = isfinite(v) && v > (i ? y[i - 1] + r[i - 1] : 0);
            }
        } else {
            ok = false;
        }
        for (size_t i = 0; i < m; i++)
            y[i] = ok ? y[i] + r[i] : c[i];
    }
    free(c), free(lo), free(di), free(up), free(r);
    /* the error of the final levels with their own cells */
    t[0] = 0;
    for (size_t i = 1; i < m; i++)
        t[i] = 0.5 * (y[i - 1] + y[i]);
    t[m] = INFINITY;
    double D = 0;
    for (size_t i = 0; i < m; i++) {
        double a = t[i], b = t[i + 1];
        double P = upper_tail(a) - upper_tail(b);
        double M = phi(a) - phi(b);
        double E = P + x_phi(a) - x_phi(b);
        D += E - 2 * y[i] * M + y[i] * y[i] * P;
    }
    D *= 2;
    if (levels)
        for (size_t i = 0; i < m; i++) {
            levels[m + i] = y[i];
            levels[m - 1 - i] = -y[i];
        }
    if (mse)
        *mse = D;
    if (iters)
        *iters = it;
    free(y);
    free(t);
    if (!converged)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "Lloyd-Max at %u bits: no convergence in %u rounds (last move %g)",
                       bits, it, move);
    return FPQ_OK;
}
