#!/bin/sh
# study-standards.sh: the 8-bit formats of IEEE P3109 (binary8p3, p4, p5;
# signed, extended (e) and finite (f) domains; unsigned p4 on the
# nonnegative distributions) beside the OCP and fnuz ones (fp8_e4m3,
# fp8_e5m2, fp8_e4m3fnuz, fp8_e5m2fnuz) on the distributions of the
# formats study.  Quantized absmax per tensor and per channel: SQNR.  Cast
# with no scale under growing loss scales, with each format's own overflow
# behaviour (P3109 SatNone) and with saturation (SatFinite): how many
# values become Inf, NaN or the largest finite value.  Figures: SQNR by
# format per distribution; the fraction of values lost to overflow
# against the loss scale.  The block-scale rules of MX and NVFP4 are a
# panel of the granularity study (study-granularity.sh).
#
# Usage: scripts/study-standards.sh [--full] [--out DIR] [--fpq PATH]
#                                   [--data DIR] [--threads N]
# Quick: 64 x 1024 values per distribution, 5 seeds; --full: 256 x 4096
# and 10 seeds.

. "$(dirname "$0")/study-lib.sh"
study_init standards "$@"

shape=$(size rows=16,cols=256 rows=64,cols=1024 rows=256,cols=4096)
p3109=binary8p3se,binary8p4se,binary8p5se,binary8p3sf,binary8p4sf,binary8p5sf
ocp=fp8_e4m3,fp8_e5m2,fp8_e4m3fnuz,fp8_e5m2fnuz
signed_dists="uniform=uniform:$shape,lo=-1,hi=1 normal=normal:$shape laplace=laplace:$shape student-t3=t:$shape,nu=3 sine=sine:$shape,amp=1,freq=440,rate=16000 outlier-channels=outliers:$shape,frac=0.01,scale=20"
unsigned_dists="lognormal=lognormal:$shape,sigma=1 relu-normal=relu:$shape"

# shellcheck disable=SC2086
eval "set -- $(seeded $signed_dists $unsigned_dists)"
run_sweep standards-signed-seeds "$@" --format "$p3109,$ocp" --granularity tensor,col
# shellcheck disable=SC2086
eval "set -- $(seeded $unsigned_dists)"
run_sweep standards-unsigned-seeds "$@" --format binary8p4ue,binary8p4uf --granularity tensor,col
seed_summary "$OUT/standards-signed-seeds.csv" "$OUT/standards-signed.csv"
seed_summary "$OUT/standards-unsigned-seeds.csv" "$OUT/standards-unsigned.csv"
# the cast: normal data times 2^0, 2^4, ..., 2^16, no scale
eval "set -- $(seeded "normal=normal:$shape")"
run_sweep standards-cast-seeds --mode cast "$@" --format "$p3109,$ocp" --loss-scale 1,16,256,4096,65536 \
    --overflow none,finite
seed_summary "$OUT/standards-cast-seeds.csv" "$OUT/standards-cast.csv"
csv=$OUT/standards-signed.csv
ucsv=$OUT/standards-unsigned.csv
ccsv=$OUT/standards-cast.csv

sec_h2 "Standards: IEEE P3109 and OCP 8-bit formats"
sec_p "IEEE P3109 (interim report; README, IEEE P3109 formats) defines K-bit formats binaryKpP with precision P, a signed (s) or unsigned (u) and an extended (e, with +-Inf) or finite (f) domain: one zero, one NaN, bias 2^(K-P-1) signed.  At K = 8 they sit beside the OCP formats: binary8p4 has E4M3's fields and binary8p3 E5M2's, but P3109 spends one code on NaN and none on -0, so binary8p4sf is bit for bit fp8_e4m3fnuz and binary8p3sf fp8_e5m2fnuz, while the extended domain gives up the top finite value for Inf.  Every format quantizes the distributions of the formats study with one absmax fp32 scale per tensor and per channel ($(shape_of "$csv" normal) each, $NSEEDS seeds, the mean shown); binary8p4 unsigned runs on the nonnegative ones (lognormal, relu-normal).  The block-scale rules of MX and NVFP4 are compared in the granularity section (Block-scale rules)."

# generated: the fnuz equivalences, from the data
same=$(awkp '
NR == 1 { csv_head($0); next }
{ csv_split($0, f); v[f[col("label")], f[col("granularity")], f[col("format")]] = f[col("sqnr_db")]; L[f[col("label")]] = 1 }
END {
    n = 0; eq = 0
    for (l in L) for (g = 1; g <= 2; g++) {
        gr = (g == 1 ? "tensor" : "col")
        n += 2
        eq += (v[l, gr, "binary8p4sf"] == v[l, gr, "fp8_e4m3fnuz"]) + (v[l, gr, "binary8p3sf"] == v[l, gr, "fp8_e5m2fnuz"])
    }
    print eq "/" n
}' "$csv")
sec_p "binary8p4sf against fp8_e4m3fnuz and binary8p3sf against fp8_e5m2fnuz: the SQNR is the same number in $same of the (distribution, granularity, pair) cells, as equal value sets must give."
e4=$(value_of "$csv" label+format+granularity "normal|fp8_e4m3|tensor" sqnr_db)
p4e=$(value_of "$csv" label+format+granularity "normal|binary8p4se|tensor" sqnr_db)
p5e=$(value_of "$csv" label+format+granularity "normal|binary8p5se|tensor" sqnr_db)
p3e=$(value_of "$csv" label+format+granularity "normal|binary8p3se|tensor" sqnr_db)
e5=$(value_of "$csv" label+format+granularity "normal|fp8_e5m2|tensor" sqnr_db)
if [ -n "$e4" ] && [ -n "$p4e" ] && [ -n "$p5e" ] && [ -n "$p3e" ] && [ -n "$e5" ]; then
    w=$(awk -v a="$p4e" -v b="$e4" 'BEGIN { print (a == b ? "the same SQNR as" : a > b ? "more than" : "less than") }')
    sec_p "On normal data, one scale per tensor: binary8p4se reaches $(claim "$csv" label+format+granularity "normal|binary8p4se|tensor" sqnr_db "$p4e" 2) dB, $w fp8_e4m3 ($(claim "$csv" label+format+granularity "normal|fp8_e4m3|tensor" sqnr_db "$e4" 2) dB: binary8p4se's finite values are E4M3's halved, bias 8 instead of 7 with the top code Inf instead of NaN, and absmax scaling maps max|x| to each format's largest finite value, so both see the same grid), binary8p3se $(claim "$csv" label+format+granularity "normal|binary8p3se|tensor" sqnr_db "$p3e" 2) dB against fp8_e5m2's $(claim "$csv" label+format+granularity "normal|fp8_e5m2|tensor" sqnr_db "$e5" 2) dB, and binary8p5se, one more bit of precision and one less of exponent, $(claim "$csv" label+format+granularity "normal|binary8p5se|tensor" sqnr_db "$p5e" 2) dB."
fi

pivot "$csv" "$OUT/sqnr_tensor.csv" "granularity=tensor" format label sqnr_db 2 format
plot heatmap standards_tensor data="$OUT/sqnr_tensor.csv" title="SQNR (dB), absmax per tensor: 8-bit format x distribution"
sec_fig standards_tensor "SQNR (dB) of the P3109 and OCP 8-bit formats (rows) on each distribution (columns), one scale per tensor, the mean of $NSEEDS seeds."
pivot "$csv" "$OUT/sqnr_col.csv" "granularity=col" format label sqnr_db 2 format
sec_table "$OUT/sqnr_col.csv" "SQNR (dB) per channel (one scale per column), the mean of $NSEEDS seeds."
pivot "$ucsv" "$OUT/sqnr_unsigned.csv" "" format label,granularity sqnr_db 2 format
sec_table "$OUT/sqnr_unsigned.csv" "The unsigned binary8p4 formats on the nonnegative distributions (SQNR in dB, per tensor and per channel)."
u=$(value_of "$ucsv" label+format+granularity "relu-normal|binary8p4ue|tensor" sqnr_db)
s4=$(value_of "$csv" label+format+granularity "relu-normal|binary8p4se|tensor" sqnr_db)
if [ -n "$u" ] && [ -n "$s4" ]; then
    w=$(awk -v a="$u" -v b="$s4" 'BEGIN { print (a == b ? "the same as" : a > b ? "above" : "below") }')
    sec_p "On relu-normal data (half zeros, half the positive half of a normal), binary8p4ue reaches $(claim "$ucsv" label+format+granularity "relu-normal|binary8p4ue|tensor" sqnr_db "$u" 2) dB per tensor, $w the signed binary8p4se's $(claim "$csv" label+format+granularity "relu-normal|binary8p4se|tensor" sqnr_db "$s4" 2) dB: at the same precision P = 4 the bit an unsigned format frees from the sign goes to the exponent (bias 2^(K-P) = 16 instead of 8: twice the binades), not to the significand, and absmax scaling has no use for the extra range."
fi

# The cast: overflow by format and overflow mode
sec_h3 "Overflow: P3109's SatNone and SatFinite beside the OCP behaviours"
sec_p "No scale: normal data ($(shape_of "$ccsv" normal), $NSEEDS seeds) multiplied by a loss scale of 1 to 65536 and rounded into each format, under the format's own overflow behaviour (\`--overflow none\`, P3109 SatNone: Inf in the extended domain and in fp8_e5m2, NaN in the finite domain, fp8_e4m3 and the fnuz formats) and under saturation (\`--overflow finite\`, SatFinite: the largest finite value); the CSV writes the two as format and saturate.  overflow_frac counts values that became Inf, nan_frac values that became NaN; under saturation both stay 0 and the clipped values count in clipped_frac."
awkp '
NR == 1 { csv_head($0); next }
{
    csv_split($0, f)
    if (f[col("overflow")] != "format") next
    fm = f[col("format")]; ls = f[col("loss_scale")] + 0
    if (!(fm in seen)) { seen[fm] = 1; F[++nf] = fm }
    if (!(ls in lss)) { lss[ls] = 1; S[++ns] = ls }
    v[fm, ls] = f[col("overflow_frac")] + f[col("nan_frac")]
    w[fm, ls] = (f[col("nan_frac")] + 0 > 0) ? "NaN" : (f[col("overflow_frac")] + 0 > 0) ? "Inf" : "-"
}
END {
    line = "format"; for (j = 1; j <= ns; j++) line = line ",x" S[j]; print line
    for (i = 1; i <= nf; i++) {
        line = F[i]
        for (j = 1; j <= ns; j++) line = line "," csv_field(sprintf("%.4f %s", v[F[i], S[j]], w[F[i], S[j]]))
        print line
    }
}' "$ccsv" >"$OUT/overflow_table.csv" || die "overflow table"
sec_table "$OUT/overflow_table.csv" "Fraction of values that became Inf or NaN under SatNone (format's own behaviour), by loss scale; the word says which."
PICK_NAME=data pick "$ccsv" "$OUT/overflow.dat" "overflow=format" format loss_scale clipped_frac
same_series "$OUT/overflow.dat"
plot lines standards_overflow data="$OUT/overflow.dat" logx=1 xlabel="loss scale" ylabel="fraction beyond the largest finite value" \
    key="below left maxcols 3" \
    title="Values beyond the range against the loss scale (normal data, no scale)"
sec_fig standards_overflow "The fraction of values beyond each format's largest finite value (clipped_frac: they become Inf, NaN or, saturated, the largest value) against the loss scale: the fewer exponent bits a format has, the smaller the loss scale at which its values start to overflow.  Formats with the same fraction at every loss scale share one line, named A = B."
# generated: at 4096, who returns NaN, who Inf
a=$(value_of "$ccsv" format+loss_scale+overflow "binary8p4se|4096|format" overflow_frac)
b=$(value_of "$ccsv" format+loss_scale+overflow "binary8p4sf|4096|format" nan_frac)
c=$(value_of "$ccsv" format+loss_scale+overflow "fp8_e4m3|4096|format" nan_frac)
d=$(value_of "$ccsv" format+loss_scale+overflow "binary8p4sf|4096|saturate" nan_frac)
if [ -n "$a" ] && [ -n "$b" ] && [ -n "$c" ] && [ -n "$d" ]; then
    sec_p "At a loss scale of 4096, binary8p4se turns $(claim "$ccsv" format+loss_scale+overflow "binary8p4se|4096|format" overflow_frac "$a" 4) of the values into Inf, binary8p4sf $(claim "$ccsv" format+loss_scale+overflow "binary8p4sf|4096|format" nan_frac "$b" 4) into NaN (its finite domain has no Inf: P3109 SatNone makes an overflow NaN), fp8_e4m3 $(claim "$ccsv" format+loss_scale+overflow "fp8_e4m3|4096|format" nan_frac "$c" 4) into NaN; with SatFinite binary8p4sf returns NaN for $(claim "$ccsv" format+loss_scale+overflow "binary8p4sf|4096|saturate" nan_frac "$d" 4) of them."
fi
sec_files
