/* dtoa.h: a double as decimal text that reads back (strtod) as the same
 * binary64.
 *
 * Both write "%.Ng" for an N from 1 to 17 (17 digits always read back),
 * or "inf", "-inf", "nan"; snprintf contract.  They differ in which N:
 *   fpq_dtoa_digits    the least N: 0.1, 1e-05, 448, 99.9, but 5e+01 for 50
 *                      (one digit is enough, and %.1g of 50 is 5e+01)
 *   fpq_dtoa_shortest  the shortest text, the least N among equally short
 *                      ones: 0.1, 1e-05, 448, 99.9, 50, 33.333333333333336
 */
#ifndef FPQ_DTOA_H
#define FPQ_DTOA_H

#include <stddef.h>

size_t fpq_dtoa_digits(char *buf, size_t n, double x);
size_t fpq_dtoa_shortest(char *buf, size_t n, double x);

#endif
