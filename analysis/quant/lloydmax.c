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
 * start is Panter and Dite's companded grid (point density proportional to
 * phi^(1/3), a normal of variance 3): y_i = sqrt 3 Phi^-1((i - 1/2) / L).
 */
#include "quant.h"

#include <math.h>
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

    unsigned it = 0;
    double move = INFINITY;
    while (move > 1e-13 && it < max_iter) {
        t[0] = 0;
        for (size_t i = 1; i < m; i++)
            t[i] = 0.5 * (y[i - 1] + y[i]);
        t[m] = INFINITY;
        move = 0;
        for (size_t i = 0; i < m; i++) {
            double P = upper_tail(t[i]) - upper_tail(t[i + 1]);
            double M = phi(t[i]) - phi(t[i + 1]);
            double ny = P > 0 ? M / P : y[i];
            double d = fabs(ny - y[i]);
            if (d > move)
                move = d;
            y[i] = ny;
        }
        it++;
    }
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
    if (move > 1e-13)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "Lloyd-Max at %u bits: no convergence in %u rounds (last move %g)",
                       bits, it, move);
    return FPQ_OK;
}
