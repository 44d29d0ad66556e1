/* example.c: encode one decimal into FP8 E4M3 with libfpq.
 *
 * Build against an installed libfpq:
 *     cc -std=c11 example.c $(pkg-config --cflags --libs fpq) -o example
 * Output:
 *     fp8_e4m3 464 -> 0x7e (ternary -1)
 * 464 is the midpoint of 448 (0x7e, the largest finite E4M3 value) and the
 * missing 480; ties go to the even pattern, so it rounds down to 448.
 */
#include <stdio.h>
#include <stdlib.h>

#include <fpq.h>

int main(void)
{
    const char *name = "fp8_e4m3";
    const char *text = "464";
    fpq_format fmt;
    fpq_rounding rnd;
    mpfr_t x;
    uint64_t bits;
    unsigned flags;
    char hex[19];
    int status, ternary;

    status = fpq_format_parse(&fmt, name);
    if (status != FPQ_OK) {
        fprintf(stderr, "example: %s: %s\n", name, fpq_strerror(status));
        return EXIT_FAILURE;
    }
    mpfr_init2(x, FPQ_PARSE_PREC);
    status = fpq_parse_value(x, NULL, text);
    if (status != FPQ_OK) {
        fprintf(stderr, "example: %s: %s\n", text, fpq_strerror(status));
        mpfr_clear(x);
        return EXIT_FAILURE;
    }
    fpq_rounding_default(&rnd);
    ternary = fpq_encode(&bits, &flags, &fmt, x, &rnd);
    fpq_sprint_bits(hex, &fmt, bits);
    /* Only the sign of the ternary value is meaningful. */
    printf("%s %s -> %s (ternary %d)\n", fmt.name, text, hex,
           (ternary > 0) - (ternary < 0));
    mpfr_clear(x);
    mpfr_free_cache();
    return EXIT_SUCCESS;
}
