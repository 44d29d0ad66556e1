#!/bin/sh
# study-rounding.sh: the elements' rounding: to nearest (ties to even),
# toward zero, and stochastic (seeded; several seeds averaged).  int8,
# int4, fp8_e4m3 and fp4_e2m1, absmax per tensor, on normal data and on
# positive (log-normal) data, where a rounding bias cannot cancel.
# Figures: bias in units of the RMS error; MSE relative to nearest.
#
# Usage: scripts/study-rounding.sh [--full] [--out DIR] [--fpq PATH]
#                                  [--data DIR] [--threads N]

. "$(dirname "$0")/study-lib.sh"
study_init rounding "$@"
shape=$(size rows=16,cols=256 rows=64,cols=1024 rows=256,cols=4096)
seeds=$(size 1,2 1,2,3,4 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16)

run_sweep rounding \
    --source "normal=normal:$shape,seed=1" --source "lognormal=lognormal:$shape,sigma=0.5,seed=1" \
    --format int8,int4,fp8_e4m3,fp4_e2m1 --round rne,rtz,sr --seed "$seeds"
csv=$OUT/rounding.csv

sec_h2 "Rounding: nearest, toward zero, stochastic"
sec_p "To nearest gives the smallest error and no bias on average.  Toward zero always shrinks magnitudes: on one-signed data its error is systematic (bias about -0.87 RMS error for a uniform grid: a mean of -D/2 against an RMS of D/sqrt 3).  Stochastic rounding rounds up with probability equal to the distance from the lower neighbour: unbiased for every value, not only on average, at about twice the MSE of nearest (D^2/6 against D^2/12).  That is why it matters for accumulating many small updates (training), not for one-shot quantization."

# bias / rmse and mse / mse(rne), stochastic rounding averaged over seeds
awkp '
NR == 1 { csv_head($0); next }
{
    csv_split($0, f)
    k = f[col("label")] SUBSEP f[col("format")]
    r = f[col("round")]
    if (!(k in seen)) { seen[k] = 1; K[++nk] = k }
    b[k, r] += f[col("bias")] / f[col("rmse")]; m[k, r] += f[col("mse")]; n[k, r]++
}
END {
    print "data,round,bias_rms,mse_ratio"
    for (i = 1; i <= nk; i++)
        for (j = 1; j <= 3; j++) {
            r = j == 1 ? "rne" : j == 2 ? "rtz" : "sr"
            k = K[i]
            split(k, p, SUBSEP)
            printf "%s %s,%s,%.4f,%.4f\n", p[1], p[2], r, b[k, r] / n[k, r], (m[k, r] / n[k, r]) / (m[k, "rne"] / n[k, "rne"])
        }
}' "$csv" >"$OUT/derived.csv" || die "derived"
pivot "$OUT/derived.csv" "$OUT/bias.csv" "" data round bias_rms 3 "data and format"
# keys in words
sed -i '1s/,rne,rtz,sr$/,to nearest (ties to even),toward zero,stochastic/' "$OUT/bias.csv"
plot bars bias data="$OUT/bias.csv" ylabel="bias / RMS error" title="Bias of each rounding, in units of its RMS error"
sec_fig bias "Mean error divided by RMS error: 0 is unbiased, -1 would be an error that is all bias."
pivot "$OUT/derived.csv" "$OUT/mse.csv" "" data round mse_ratio 3 "data and format"
sed -i '1s/,rne,rtz,sr$/,to nearest (ties to even),toward zero,stochastic/' "$OUT/mse.csv"
plot bars mse data="$OUT/mse.csv" ylabel="MSE / MSE of nearest-even" ymin=0 title="MSE of each rounding relative to nearest-even"
sec_fig mse "MSE relative to round-to-nearest-even (stochastic rounding averaged over its seeds; the y axis starts at 0, so nearest-even's bars are 1)."
sec_p "Each tensor is $(shape_of "$csv" normal); the stochastic rounding ran under the rounding seeds $seeds (the generator seed is 1), and the figures show their mean."
sec_table "$OUT/bias.csv" "Bias / RMS error."
sec_table "$OUT/mse.csv" "MSE / MSE of round-to-nearest-even."
sec_files
