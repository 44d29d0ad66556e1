/* kernel-check.c: check a hand-written converter against libfpq.
 *
 * The converter under test is f32_to_e4m3_sat below, the kind of code a
 * CUDA or CPU kernel carries: binary32 to OCP FP8 E4M3 with
 * round-to-nearest-even and saturation (__nv_cvt_float_to_fp8 with
 * __NV_SATFINITE).  It is run on libfpq's boundary set for the format
 * (fpq_boundaries_f32: every value, every midpoint between neighbours and
 * the binary32 numbers on both sides of each, the overflow threshold,
 * subnormal boundaries, zeros, infinities, NaNs) and compared with the
 * library's encoding of the same inputs, which is proven equal to MPFR.
 *
 * Build against an installed libfpq:
 *     cc -std=c11 kernel-check.c $(pkg-config --cflags --libs fpq) -o kernel-check
 * Output:
 *     kernel-check: f32 -> fp8_e4m3 satfinite: 1544 boundary cases, 0 mismatches
 * With --plant-bug the converter rounds half up (floor(y + 0.5)) instead of
 * to even: the ties between E4M3 values whose lower neighbour is even come
 * out wrong (128 of the cases; the first 5 are printed, exit status 1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fpq.h>

static int plant_bug;

/* The converter under test. */
static uint8_t f32_to_e4m3_sat(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    uint8_t sign = (uint8_t)((u >> 24) & 0x80);
    uint32_t a = u & 0x7fffffffu;
    if (a > 0x7f800000u) /* NaN: E4M3's NaN, sign kept */
        return sign | 0x7f;
    if (a >= 0x43e00000u) /* |f| >= 448 (and Inf): saturate */
        return sign | 0x7e;
    if (a < 0x3c800000u) { /* below 2^-6: subnormal steps of 2^-9 */
        float y = (f < 0 ? -f : f) * 512.0f; /* exact: y <= 8 */
        /* y + 2^23 - 2^23 rounds y to an integer, to even (the default mode) */
        float m = plant_bug ? (float)(int)(y + 0.5f) : (y + 8388608.0f) - 8388608.0f;
        return sign | (uint8_t)m; /* m = 8 is 2^-6, the first normal */
    }
    /* normal: keep 3 of the 23 mantissa bits, to nearest even */
    uint32_t r = plant_bug ? a + 0x80000u : a + 0x7ffffu + ((a >> 20) & 1);
    uint32_t code = (r >> 20) - ((127u - 7u) << 3);
    return sign | (uint8_t)(code > 0x7e ? 0x7e : code);
}

int main(int argc, char **argv)
{
    plant_bug = argc > 1 && strcmp(argv[1], "--plant-bug") == 0;
    fpq_format fmt;
    fpq_rounding rnd;
    if (fpq_format_parse(&fmt, "fp8_e4m3") != FPQ_OK)
        return EXIT_FAILURE;
    fpq_rounding_default(&rnd);
    rnd.overflow = FPQ_OVF_SATURATE;

    size_t n = fpq_boundaries_f32(NULL, 0, &fmt);
    float *x = malloc(n * sizeof *x);
    uint8_t *want = malloc(n);
    if (x == NULL || want == NULL || fpq_boundaries_f32(x, n, &fmt) != n ||
        fpq_encode_f32(want, x, n, &fmt, &rnd) != FPQ_OK) {
        fprintf(stderr, "kernel-check: out of memory\n");
        return EXIT_FAILURE;
    }
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t got = f32_to_e4m3_sat(x[i]);
        if (got == want[i])
            continue;
        if (bad++ < 5) {
            char g[19], w[19];
            fpq_sprint_bits(g, &fmt, got);
            fpq_sprint_bits(w, &fmt, want[i]);
            printf("kernel-check: %a -> %s, expected %s\n", (double)x[i], g, w);
        }
    }
    printf("kernel-check: f32 -> %s satfinite: %zu boundary cases, %zu mismatches\n", fmt.name, n, bad);
    free(x);
    free(want);
    return bad ? EXIT_FAILURE : EXIT_SUCCESS;
}
