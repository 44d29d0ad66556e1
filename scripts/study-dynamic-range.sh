#!/bin/sh
# study-dynamic-range.sh: the mixed-precision argument.  Gradient-like
# data -- log-normal magnitudes spread over some 25 binades, median 2^-20
# -- cast straight into fp16, bf16, fp8_e5m2 and fp8_e4m3 with no scale,
# after multiplying by a loss scale 2^0 to 2^16 (fpq sweep --mode cast):
# the fraction that underflows to zero, lands in subnormals (losing
# precision) or overflows, and where each format's range sits against the
# data.
#
# Usage: scripts/study-dynamic-range.sh [--full] [--out DIR] [--fpq PATH]
#                                       [--data DIR] [--threads N]

. "$(dirname "$0")/study-lib.sh"
study_init dynamic-range "$@"
n=$(size 16384 262144 4194304)
# median 2^-20: mu = -20 ln 2; sigma = 3 (4.3 binades per standard deviation)
grad="lognormal:n=$n,mu=-13.862943611198906,sigma=3,seed=1"
scales=
k=0
while [ $k -le 16 ]; do scales="$scales${scales:+,}2^$k"; k=$((k + 1)); done

run_sweep dynamic-range --mode cast --source "gradients=$grad" --format fp16,bf16,fp8_e5m2,fp8_e4m3 \
    --loss-scale "$scales"
csv=$OUT/dynamic-range.csv

sec_h2 "Dynamic range and loss scaling"
sec_p "Gradients span many binades.  Cast into a narrow format with no per-tensor scale, the small ones underflow to zero (or lose precision as subnormals) and the large ones overflow.  fp16's 40 binades (2^-24 to 65504) sit too high for gradients of median 2^-20: multiplying the loss -- hence every gradient -- by a loss scale shifts the data into the format's range, until the largest values overflow.  bf16 keeps fp32's 8-bit exponent and needs no loss scaling; the 8-bit floats cover too few binades for this data at any single scale, which is why FP8 training scales per tensor (or per block)."

awkp '
NR == 1 { csv_head($0); next }
{
    csv_split($0, f)
    fm = f[col("format")]
    if (!(fm in seen)) { seen[fm] = 1; F[++nf] = fm }
    n[fm]++; X[fm, n[fm]] = f[col("loss_scale")]
    U[fm, n[fm]] = 100 * f[col("underflow_frac")]; O[fm, n[fm]] = 100 * f[col("overflow_frac")]
    S[fm, n[fm]] = 100 * f[col("subnormal_frac")]
}
END {
    b = 0
    for (i = 1; i <= nf; i++) {
        fm = F[i]
        printf "%s\"%s: to zero\"\n", (b++ ? "\n\n" : ""), fm
        for (j = 1; j <= n[fm]; j++) print X[fm, j] "," U[fm, j]
        printf "\n\n\"%s: overflow\"\n", fm
        for (j = 1; j <= n[fm]; j++) print X[fm, j] "," O[fm, j]
    }
    for (i = 1; i <= nf; i++) {
        fm = F[i]
        printf "\"%s\"\n", fm > sub_file
        for (j = 1; j <= n[fm]; j++) print X[fm, j] "," S[fm, j] > sub_file
        if (i < nf) printf "\n\n" > sub_file
    }
}' -v sub_file="$OUT/subnormal.dat" "$csv" >"$OUT/lost.dat" || die "lost.dat"
plot lines lost data="$OUT/lost.dat" logx=1 xlabel="loss scale" ylabel="% of the values" key="outside right top" \
    title="Values lost to zero and to overflow, against the loss scale"
sec_fig lost "The share of gradient values that round to zero or overflow, cast with no per-tensor scale, against the loss scale."
plot lines subnormal data="$OUT/subnormal.dat" logx=1 xlabel="loss scale" ylabel="% of the values" \
    title="Values landing in subnormals (fewer significant bits)"
sec_fig subnormal "The share landing in subnormals, where the relative error grows as the values shrink."
pick "$csv" "$OUT/sqnr.dat" "" format loss_scale sqnr_db
plot lines sqnr data="$OUT/sqnr.dat" logx=1 xlabel="loss scale" ylabel="SQNR (dB)" \
    title="SQNR of the cast against the loss scale (-inf where values overflow to Inf)"
sec_fig sqnr "SQNR of the scaled cast (values overflowing to Inf or NaN leave the plot)."

"$FPQ" hist "$grad" --of log2abs --bins 80 >"$OUT/log2hist.csv" 2>/dev/null || die "fpq hist failed"
"$FPQ" ranges fp16 bf16 fp8_e5m2 fp8_e4m3 >"$OUT/ranges.csv" || die "fpq ranges failed"
plot drange drange data="$OUT/log2hist.csv" ranges="$OUT/ranges.csv" xmin=-60 xmax=30 \
    title="Where the formats' ranges sit against the data (no loss scale)"
sec_fig drange "The data's distribution over binades (bars) and each format's subnormal (thin) and normal (thick) range (bf16's runs off both edges, from 2^-133 to 2^128): data left of a format's range rounds to zero, right of it overflows."
plot drange drange_scaled data="$OUT/log2hist.csv" ranges="$OUT/ranges.csv" shift=16 xmin=-60 xmax=30 \
    title="The same data with a loss scale of 2^16"
sec_fig drange_scaled "With a loss scale of 2^16 the data move 16 binades to the right."

awkp '
NR == 1 { csv_head($0); next }
{
    csv_split($0, f)
    fm = f[col("format")]
    lost = f[col("underflow_frac")] + f[col("overflow_frac")]
    if (!(fm in seen)) { seen[fm] = 1; F[++nf] = fm; best[fm] = 2 }
    if (f[col("loss_scale")] == 1) at1[fm] = lost
    if (lost < best[fm]) { best[fm] = lost; bs[fm] = f[col("loss_scale")]; subn[fm] = f[col("subnormal_frac")] }
}
END {
    print "format,lost at scale 1 (%),best loss scale,lost there (%),subnormal there (%)"
    for (i = 1; i <= nf; i++) {
        fm = F[i]
        e = log(bs[fm]) / log(2)
        printf "%s,%.2f,2^%d,%.2f,%.2f\n", fm, 100 * at1[fm], e + 0.5, 100 * best[fm], 100 * subn[fm]
    }
}' "$csv" >"$OUT/table.csv" || die "table"
sec_table "$OUT/table.csv" "Values lost (to zero or overflow) without loss scaling and at the best power-of-two loss scale of 2^0 to 2^16."
sec_files
