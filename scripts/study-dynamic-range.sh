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
grad_noseed="lognormal:n=$n,mu=-13.862943611198906,sigma=3"
scales=
k=0
while [ $k -le 16 ]; do scales="$scales${scales:+,}2^$k"; k=$((k + 1)); done

eval "set -- $(seeded "gradients=$grad_noseed")"
run_sweep dynamic-range-seeds --mode cast "$@" --format fp16,bf16,fp8_e5m2,fp8_e4m3 --loss-scale "$scales"
seed_summary "$OUT/dynamic-range-seeds.csv" "$OUT/dynamic-range.csv"
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
    U[fm, n[fm]] = 100 * f[col("flushed_frac")]; O[fm, n[fm]] = 100 * f[col("clipped_frac")]
    S[fm, n[fm]] = 100 * f[col("subnormal_frac")]
}
END {
    b = 0
    for (i = 1; i <= nf; i++) {
        fm = F[i]
        # a log axis: zero shares are left out, a series without any is not drawn
        z = 0; for (j = 1; j <= n[fm]; j++) z += U[fm, j] > 0
        if (z) {
            printf "%s\"%s: flushed to zero\"\n", (b++ ? "\n\n" : ""), fm
            for (j = 1; j <= n[fm]; j++) if (U[fm, j] > 0) print X[fm, j] "," U[fm, j]
        }
        z = 0; for (j = 1; j <= n[fm]; j++) z += O[fm, j] > 0
        if (z) {
            printf "%s\"%s: overflow to Inf or NaN\"\n", (b++ ? "\n\n" : ""), fm
            for (j = 1; j <= n[fm]; j++) if (O[fm, j] > 0) print X[fm, j] "," O[fm, j]
        }
    }
    for (i = 1; i <= nf; i++) {
        fm = F[i]
        printf "\"%s\"\n", fm > sub_file
        for (j = 1; j <= n[fm]; j++) print X[fm, j] "," S[fm, j] > sub_file
        if (i < nf) printf "\n\n" > sub_file
    }
}' -v sub_file="$OUT/subnormal.dat" "$csv" >"$OUT/lost.dat" || die "lost.dat"
plot lines lost data="$OUT/lost.dat" logx=1 logy=1 xlabel="loss scale" ylabel="% of the values (log scale)" \
    key="outside right top" title="Values lost to zero and to overflow, against the loss scale"
sec_fig lost "The share of gradient values that round to zero or overflow (beyond the largest finite value: Inf or NaN), cast with no per-tensor scale, against the loss scale, on a log axis so that 0.01% shows (a share of 0 is not drawn); the mean of $NSEEDS seeds."
plot lines subnormal data="$OUT/subnormal.dat" logx=1 xlabel="loss scale" ylabel="% of the values" \
    title="Values landing in subnormals (fewer significant bits)"
sec_fig subnormal "The share landing in subnormals, where the relative error grows as the values shrink."
pick "$csv" "$OUT/sqnr.dat" "" format loss_scale sqnr_db
plot lines sqnr data="$OUT/sqnr.dat" logx=1 xlabel="loss scale" ylabel="SQNR (dB)" \
    title="SQNR of the cast against the loss scale (no point where values overflow)"
sec_fig sqnr "SQNR of the scaled cast.  Where some value overflows to Inf or NaN the error is infinite: that scale has no point (the table below names it).  SQNR is dominated by the large values: it says nothing of the small ones flushed to zero (the figure above)."
# generated: where the formats overflow, and what SQNR hides; each number
# quoted is recorded (claim) and re-checked by scripts/lint-report.sh
awkp '
NR == 1 { csv_head($0); next }
{
    csv_split($0, f)
    fm = f[col("format")]
    if (!(fm in seen)) { seen[fm] = 1; F[++nf] = fm }
    if (!(fm in first) && f[col("overflow_frac")] + f[col("nan_frac")] > 0) {
        first[fm] = f[col("loss_scale")]; ov[fm] = f[col("overflow_frac")]; na[fm] = f[col("nan_frac")]
    }
    if (f[col("loss_scale")] + 0 == 1) { ls1[fm] = f[col("loss_scale")]; s1[fm] = f[col("sqnr_db")]; fl1[fm] = f[col("flushed_frac")] }
}
END {
    for (i = 1; i <= nf; i++)
        if (F[i] in first) printf "first\t%s\t%s\t%d\t%s\t%s\n", F[i], first[F[i]], log(first[F[i]]) / log(2) + 0.5, ov[F[i]], na[F[i]]
    for (i = 1; i <= nf; i++)
        if (F[i] in s1) printf "one\t%s\t%s\t%s\t%s\n", F[i], ls1[F[i]], s1[F[i]], fl1[F[i]]
}' "$csv" >"$OUT/.claim.txt" || die "claim"
over= e4= e5=
while IFS='	' read -r kind fm ls a b c; do
    k="$fm|$ls"
    case $kind in
    first)
        # (6 digits: one value in 16384 shows)
        lost=
        awk -v x="$b" 'BEGIN { exit !(x > 0) }' &&
            lost="a fraction $(claim "$csv" format+loss_scale "$k" overflow_frac "$b" 6) of the values overflows to Inf"
        awk -v x="$c" 'BEGIN { exit !(x > 0) }' &&
            lost="${lost:+$lost, }a fraction $(claim "$csv" format+loss_scale "$k" nan_frac "$c" 6) becomes NaN"
        over="${over:+$over; }$fm first produces Inf or NaN at a loss scale of 2^$a ($lost)" ;;
    one)
        case $fm in
        fp8_e4m3) e4="$(claim "$csv" format+loss_scale "$k" sqnr_db "$a" 1) dB, with a fraction $(claim "$csv" format+loss_scale "$k" flushed_frac "$b" 3) of its values flushed to zero" ;;
        fp8_e5m2) e5="$(claim "$csv" format+loss_scale "$k" sqnr_db "$a" 1) dB, with a fraction $(claim "$csv" format+loss_scale "$k" flushed_frac "$b" 3) flushed to zero" ;;
        esac ;;
    esac
done <"$OUT/.claim.txt"
rm -f "$OUT/.claim.txt"
txt="${over:-No format produces Inf or NaN at these loss scales}."
[ -n "$e4" ] && [ -n "$e5" ] && txt="$txt  Without a loss scale fp8_e4m3 reaches $e4, and fp8_e5m2 $e5."
sec_p "$txt"

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
    fm = f[col("format")]; ls = f[col("loss_scale")]
    lost = f[col("flushed_frac")] + f[col("clipped_frac")]
    bad = f[col("overflow_frac")] + f[col("nan_frac")]
    if (!(fm in seen)) { seen[fm] = 1; F[++nf] = fm; best[fm] = 2 }
    if (ls == 1) at1[fm] = lost
    if (bad > 0) { if (!(fm in fb)) { fb[fm] = ls; fbv[fm] = bad } ; next }
    if (lost < best[fm]) { best[fm] = lost; bs[fm] = ls; subn[fm] = f[col("subnormal_frac")]; fl[fm] = f[col("flushed_frac")] }
}
END {
    print "format,lost at scale 1 (%),best loss scale without Inf/NaN,lost there (%),flushed to zero there (%),subnormal there (%),first scale with Inf/NaN,Inf/NaN there (%)"
    for (i = 1; i <= nf; i++) {
        fm = F[i]
        line = sprintf("%s,%.2f", fm, 100 * at1[fm])
        if (best[fm] < 2) line = line sprintf(",2^%d,%.2f,%.2f,%.2f", log(bs[fm]) / log(2) + 0.5, 100 * best[fm], 100 * fl[fm], 100 * subn[fm])
        else line = line ",overflow at every scale,-,-,-"
        if (fm in fb) line = line sprintf(",2^%d,%.3g", log(fb[fm]) / log(2) + 0.5, 100 * fbv[fm])
        else line = line ",none up to 2^16,0"
        print line
    }
}' "$csv" >"$OUT/table.csv" || die "table"
sec_table "$OUT/table.csv" "Values lost (flushed to zero or beyond the largest finite value) without loss scaling, and at the power-of-two loss scale of 2^0 to 2^16 that loses the fewest among those where no value becomes Inf or NaN; the first scale where some value does (a scale that produces Inf or NaN is never called best).  Means of $NSEEDS seeds."
sec_files
