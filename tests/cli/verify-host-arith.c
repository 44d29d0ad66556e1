/* verify-host-arith.c: the host's binary32/binary64 arithmetic with its fenv
 * flags, as a command for `fpq verify` (an implementation independent of
 * fpq).  Not built by make; on x86-64:
 *
 *   cc -O1 -mfma -o host-arith tests/cli/verify-host-arith.c -lm
 *   fpq verify fp32 mul --nan any --count 100000 -- ./host-arith 32 mul
 *   fpq verify fp32 mul --nan any --tininess before -- ./host-arith 32 mul before
 *
 * Arguments: 32 or 64, the operation (add, sub, mul, div, sqrt, fma), and
 * "before" to raise underflow as tininess before rounding would for fp32
 * mul (inexact and |a * b| below 2^-126, the product exact in double).
 * Reads operand lines (hex patterns), writes "0xRESULT FLAGS" lines. */
#include <fenv.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static unsigned flags(void)
{
    int e = fetestexcept(FE_ALL_EXCEPT);
    return (e & FE_INEXACT ? 1u : 0) | (e & FE_UNDERFLOW ? 2u : 0) | (e & FE_OVERFLOW ? 4u : 0) |
           (e & FE_DIVBYZERO ? 8u : 0) | (e & FE_INVALID ? 16u : 0);
}

/* op applied to v[0..2] of type T, through volatiles (no constant folding) */
#define APPLY(T, SQRT, FMA)                                                                                  \
    __extension__({                                                                                          \
        volatile T a_ = v[0], b_ = v[1], c_ = v[2];                                                          \
        !strcmp(op, "add") ? a_ + b_ : !strcmp(op, "sub") ? a_ - b_ : !strcmp(op, "mul") ? a_ * b_          \
        : !strcmp(op, "div") ? a_ / b_ : !strcmp(op, "sqrt") ? SQRT(a_) : FMA(a_, b_, c_);                   \
    })

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s 32|64 add|sub|mul|div|sqrt|fma [before]\n", argv[0]);
        return 2;
    }
    const int dbl = !strcmp(argv[1], "64");
    const char *op = argv[2];
    const int before = argc > 3 && !strcmp(argv[3], "before");
    char line[256];
    while (fgets(line, sizeof line, stdin)) {
        unsigned long long x[3] = {0, 0, 0};
        if (sscanf(line, "%llx %llx %llx", &x[0], &x[1], &x[2]) < 1)
            return 1;
        feclearexcept(FE_ALL_EXCEPT);
        if (!dbl) {
            uint32_t t[3] = {(uint32_t)x[0], (uint32_t)x[1], (uint32_t)x[2]}, rt;
            float v[3], r;
            memcpy(v, t, sizeof v);
            r = APPLY(float, sqrtf, fmaf);
            unsigned f = flags();
            if (before && !strcmp(op, "mul") && (f & 1) && fabs((double)v[0] * (double)v[1]) < 0x1p-126)
                f |= 2;
            memcpy(&rt, &r, 4);
            printf("0x%08x %02x\n", (unsigned)rt, f);
        } else {
            double v[3], r;
            memcpy(v, x, sizeof v);
            r = APPLY(double, sqrt, fma);
            unsigned f = flags();
            unsigned long long rt;
            memcpy(&rt, &r, 8);
            printf("0x%016llx %02x\n", rt, f);
        }
    }
    return 0;
}
