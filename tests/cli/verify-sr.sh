#!/bin/sh
# An fp8_e4m3 -> int8 converter under P3109's stochastic roundings, written
# from the rules alone, for tests/cli/verify.test: each input line holds the
# e4m3 pattern and R (fpq verify's R column); $1 is A, B or C and $2 is N.
# With x the decoded value, v = |x| - floor|x| and R < 2^N, |x| rounds up
# when A: floor(v 2^N) + R >= 2^N; B: floor(v 2^(N+1)) + 2R + 1 >=
# 2^(N+1); C: RNE(v 2^N) + R >= 2^N.  NaN gives 0; int8 clamps.
awk -v V="$1" -v N="$2" '
function hex(s,    i, c, d) { s = tolower(substr(s, 3)); d = 0
    for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)) - 1; d = d * 16 + c }
    return d }
function pow2(k,    p) { p = 1; while (k > 0) { p *= 2; k-- } while (k < 0) { p /= 2; k++ } return p }
function rne(t,    f) { f = int(t); if (t - f > 0.5 || (t - f == 0.5 && f % 2 == 1)) f++; return f }
{
    b = hex($1); R = hex($2)
    s = int(b / 128); e = int(b / 8) % 16; m = b % 8
    if (e == 15 && m == 7) { print "0x00"; next }
    a = (e == 0) ? m / 8 * pow2(-6) : (1 + m / 8) * pow2(e - 7)
    fl = int(a); v = a - fl; up = 0
    if (v > 0) {
        if (V == "A") up = int(v * pow2(N)) + R >= pow2(N)
        else if (V == "B") up = int(v * pow2(N + 1)) + 2 * R + 1 >= pow2(N + 1)
        else up = rne(v * pow2(N)) + R >= pow2(N)
    }
    q = fl + up
    if (s) q = -q
    if (q > 127) q = 127
    if (q < -128) q = -128
    if (q < 0) q += 256
    printf "0x%02x\n", q
}'
