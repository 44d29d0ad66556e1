#!/bin/sh
# study-formats.sh: every signed preset element format against every
# distribution -- synthetic ones, and the bundled real tensors when data/
# holds them -- quantized absmax per tensor and per channel.  Figures: SQNR
# against bits per value beside the Gaussian limits; a heat map of format x
# distribution.  Tables: the best spec per bit budget for each
# distribution, and a per-format summary.
#
# Usage: scripts/study-formats.sh [--full] [--out DIR] [--fpq PATH]
#                                 [--data DIR] [--threads N]
# Quick: 64 x 1024 values per distribution, 5 seeds, and six real tensors;
# --full: 256 x 4096, 10 seeds and every bundled tensor.

. "$(dirname "$0")/study-lib.sh"
study_init formats "$@"

shape=$(size rows=16,cols=256 rows=64,cols=1024 rows=256,cols=4096)
if [ -n "$FULL" ]; then
    real_sources '*'
elif [ -n "$SMALL" ]; then
    real_sources use-attn-out-l1
else
    real_sources use-ffn-out-l0 use-attn-out-l1 use-qkv-l1 gnubg-contact-hidden speech-0870 alsa-Front_Center
fi

# Element formats: the signed presets (unsigned ones cannot hold signed
# data under absmax); fp64 is left out, its error is exactly zero.
"$FPQ" formats --csv >"$OUT/presets.csv" || die "fpq formats failed"
formats=$(awkp '
NR == 1 { csv_head($0); next }
{
    csv_split($0, f)
    k = f[col("kind")]; nm = f[col("name")]
    if (nm == "fp64") next
    if ((k == "int" && nm !~ /^u/) || k == "lut" || (k == "float" && f[col("layout")] ~ /^1\//))
        out = out (out == "" ? "" : ",") nm
}
END { print out }' "$OUT/presets.csv")
[ -n "$formats" ] || die "no formats"
rm -f "$OUT/presets.csv"

eval "set -- $(seeded "uniform=uniform:$shape,lo=-1,hi=1" "normal=normal:$shape" "laplace=laplace:$shape" \
    "student-t3=t:$shape,nu=3" "lognormal=lognormal:$shape,sigma=1" "relu-normal=relu:$shape" \
    "sine=sine:$shape,amp=1,freq=440,rate=16000" "outlier-channels=outliers:$shape,frac=0.01,scale=20")"
run_sweep formats-seeds "$@" --format "$formats" --granularity tensor,col
# one row per cell: the mean over the seeds, with their spread
seed_summary "$OUT/formats-seeds.csv" "$OUT/formats.csv"
csv=$OUT/formats.csv
lloyd

sec_h2 "Formats x distributions"
sec_p "Every signed preset format (\`fpq formats\`) quantizes every distribution with absmax scaling, one fp32 scale per tensor and one per channel (column).  SQNR = 10 log10(signal power / error power); bits per value include the scales.  The dashed line is the rate-distortion bound of a Gaussian source (6.02 dB per bit): no quantizer of Gaussian data beats it; the circles are the Lloyd-Max quantizers (the MSE-optimal scalar quantizers of a Gaussian, by Lloyd's iteration: \`fpq lloydmax\`).  Integer formats gain about 6 dB per bit; floats trade SQNR for range.  Every synthetic distribution is a tensor of $(shape_of "$csv" normal), drawn under $NSEEDS seeds: tables and figures show the mean, error bars the lowest and highest seed."
[ "$NREAL" -gt 0 ] || sec_note "$REAL_MISSING"
# a generated comparison: int8 against fp8_e4m3, per tensor, on normal and
# heavy-tailed data
k8n=$(value_of "$csv" label+format+granularity "normal|int8|tensor" sqnr_db)
e4n=$(value_of "$csv" label+format+granularity "normal|fp8_e4m3|tensor" sqnr_db)
k8t=$(value_of "$csv" label+format+granularity "student-t3|int8|tensor" sqnr_db)
e4t=$(value_of "$csv" label+format+granularity "student-t3|fp8_e4m3|tensor" sqnr_db)
if [ -n "$k8n" ] && [ -n "$e4n" ] && [ -n "$k8t" ] && [ -n "$e4t" ]; then
    cmp_word() { awk -v a="$1" -v b="$2" 'BEGIN { print (a > b ? "above" : "below") }'; }
    sec_p "At 8 bits, one scale per tensor: on normal data int8 reaches $(claim "$csv" label+format+granularity "normal|int8|tensor" sqnr_db "$k8n" 1) dB and fp8_e4m3 $(claim "$csv" label+format+granularity "normal|fp8_e4m3|tensor" sqnr_db "$e4n" 1) dB (fp8_e4m3 $(cmp_word "$e4n" "$k8n") int8); on Student-t (nu = 3) data int8 reaches $(claim "$csv" label+format+granularity "student-t3|int8|tensor" sqnr_db "$k8t" 1) dB and fp8_e4m3 $(claim "$csv" label+format+granularity "student-t3|fp8_e4m3|tensor" sqnr_db "$e4t" 1) dB (fp8_e4m3 $(cmp_word "$e4t" "$k8t") int8).  Student-t's SQNR is dominated by its largest values, so it varies from seed to seed more than the others (the spread column of the summary)."
fi

# The SQNR figures show the main formats (the fnuz and b11 variants sit on
# their OCP cousins; every format is in the heat map and the tables).
main='format~^(int2|int4|int8|nf4|fp4_e2m1|fp4_e3m0|fp6_e2m3|fp6_e3m2|fp8_e4m3|fp8_e5m2|fp8_e3m4|fp16|bf16|tf32)$'
# keys in words
gran_words() {
    sed -i -e 's/^"tensor"$/"one scale per tensor"/' -e 's/^"col"$/"one scale per channel (column)"/' "$1"
}
small='format~^(int2|int4|int8|nf4|fp4_e2m1|fp4_e3m0|fp6_e2m3|fp6_e3m2|fp8_e4m3|fp8_e5m2|fp8_e3m4)$'
for d in normal student-t3; do
    PICK_ERR=1 PICK_MERGE=1 pick "$csv" "$OUT/sqnr_$d.dat" "label=$d;granularity=tensor;$small" granularity \
        bits_per_value sqnr_db format
    PICK_ERR=1 pick "$csv" "$OUT/sqnr_${d}_col.dat" "label=$d;granularity=col;$small" granularity bits_per_value sqnr_db
    { cat "$OUT/sqnr_$d.dat"; printf '\n\n'; cat "$OUT/sqnr_${d}_col.dat"; } >"$OUT/sqnr_$d.dat.tmp"
    mv "$OUT/sqnr_$d.dat.tmp" "$OUT/sqnr_$d.dat"
    rm -f "$OUT/sqnr_${d}_col.dat"
    gran_words "$OUT/sqnr_$d.dat"
    plot sqnr_bits "sqnr_bits_$d" data="$OUT/sqnr_$d.dat" lloyd="$OUT/lloydmax.csv" labels=1 errbars=1 xmax=10 \
        title="SQNR against bits per value: $d data, $(shape_of "$csv" "$d"), absmax"
    sec_fig "sqnr_bits_$d" "SQNR against bits per value on $d data ($(shape_of "$csv" "$d"); mean of $NSEEDS seeds, error bars from the lowest to the highest seed), the formats of at most 8 bits; labels name the per-tensor points (per channel adds 32/rows bits per value).  fp16, bf16, tf32 and fp32 are beyond the right edge (in the tables); the fnuz variants and fp4_e1m2 are in the heat map below."
done
if [ "$NREAL" -gt 0 ]; then
    first=$(echo $REAL_LABELS | cut -d' ' -f1)
    PICK_MERGE=1 pick "$csv" "$OUT/sqnr_real.dat" "label=$first;$small" granularity bits_per_value sqnr_db format
    gran_words "$OUT/sqnr_real.dat"
    plot sqnr_bits sqnr_bits_real data="$OUT/sqnr_real.dat" lloyd="$OUT/lloydmax.csv" labels=1 xmax=10 \
        title="SQNR against bits per value: $first (real tensor, $(shape_of "$csv" "$first"))"
    sec_fig sqnr_bits_real "SQNR against bits per value on the real tensor $first."
fi

pivot "$csv" "$OUT/heatmap.csv" "granularity=col;format!=fp32;format!=tf32" format label sqnr_db 1 format
plot heatmap heatmap data="$OUT/heatmap.csv" title="SQNR (dB), absmax per channel: format x distribution"
sec_fig heatmap "SQNR (dB) of each format (rows) on each distribution (columns), one scale per channel (column), the mean of $NSEEDS seeds; the colour scale spans the values shown, a cell reading exact (no error) or overflow is not coloured.  Read across a row for a format's robustness, down a column for the best format for that data."

# Error histograms of the 4-bit formats on normal data, per tensor
: >"$OUT/errors.dat"
for fm in int4 fp4_e2m1 nf4 fp4_e3m0; do
    "$FPQ" hist "normal:$shape,seed=1" --of nerror --format "$fm" --bins 81 >"$OUT/hist_$fm.csv" 2>/dev/null ||
        die "fpq hist $fm failed"
    {
        [ -s "$OUT/errors.dat" ] && printf '\n\n'
        printf '"%s"\n' "$fm"
        awk -F, 'NR > 1 { printf "%.17g,%s\n", ($1 + $2) / 2, $4 }' "$OUT/hist_$fm.csv"
    } >>"$OUT/errors.dat"
    rm -f "$OUT/hist_$fm.csv"
done
plot histogram errors data="$OUT/errors.dat" title="Error distributions of the 4-bit formats on normal data (absmax per tensor)"
sec_fig errors "The distribution of the error x^ - x, in units of the data's RMS: int4's error is flat within half a step (a uniform grid, no clipping); the float and NF4 grids have fine steps near zero and coarse ones in the tails, so their errors are peaked with wide shoulders; fp4_e3m0 (powers of two only) has the widest."

# Best spec per bit budget: the highest SQNR among the rows whose bits per
# value fit, for each distribution.
awkp '
BEGIN { nb = split("4.5 6.5 8.5 16.5", B, " ") }
NR == 1 { csv_head($0); next }
{
    csv_split($0, f)
    d = f[col("label")]; b = f[col("bits_per_value")] + 0; s = f[col("sqnr_db")]
    if (!(d in seen)) { seen[d] = 1; D[++nd] = d }
    if (f[col("lossless")] == 1) s = 1e9
    if (!is_num(s) && s != 1e9) next
    for (i = 1; i <= nb; i++)
        if (b <= B[i] + 1e-9 && (!((d, i) in best) || s + 0 > best[d, i])) {
            best[d, i] = s + 0
            spec[d, i] = f[col("format")] " " (f[col("granularity")] == "col" ? "per channel" : "per tensor")
        }
}
END {
    line = "distribution"
    for (i = 1; i <= nb; i++) line = line ",<= " B[i] " bits"
    print line
    for (k = 1; k <= nd; k++) {
        line = csv_field(D[k])
        for (i = 1; i <= nb; i++)
            line = line "," ((D[k], i) in best ? csv_field(best[D[k], i] == 1e9 ? spec[D[k], i] " (exact)" : sprintf("%s (%.1f dB)", spec[D[k], i], best[D[k], i])) : "-")
        print line
    }
}' "$csv" >"$OUT/best_per_budget.csv" || die "best per budget"
sec_table "$OUT/best_per_budget.csv" "The best format and scale granularity within each bit budget, per distribution (SQNR in dB, the mean of $NSEEDS seeds)."


# Per-format summary over the synthetic distributions; formats whose every
# result equals another's are named (the fnuz variants on these data, e1m2
# and int4 by construction).
awkp '
NR == 1 { csv_head($0); next }
{
    csv_split($0, f)
    if (f[col("source")] !~ /^[a-z]+:rows=/) next
    fm = f[col("format")]; g = f[col("granularity")]; s = f[col("sqnr_db")] + 0; d = f[col("label")]
    if (!(fm in seen)) { seen[fm] = 1; F[++nf] = fm }
    sig[fm] = sig[fm] "|" f[col("sqnr_db")]
    sum[fm, g] += s; n[fm, g]++
    if (g == "tensor") {
        bits[fm] = f[col("bits_per_value")]
        if (!(fm in lo) || s < lo[fm]) { lo[fm] = s; lod[fm] = d }
        if (!(fm in hi) || s > hi[fm]) { hi[fm] = s; hid[fm] = d }
        if (f[col("sqnr_db_max")] - f[col("sqnr_db_min")] > spread[fm]) {
            spread[fm] = f[col("sqnr_db_max")] - f[col("sqnr_db_min")]; spd[fm] = d
        }
    }
}
END {
    print "format,bits,mean SQNR per tensor (dB),mean SQNR per channel (dB),worst (per tensor),best (per tensor),widest seed spread (per tensor; dB),same results as"
    for (k = 1; k <= nf; k++) {
        fm = F[k]; same = ""
        for (j = 1; j <= nf; j++)
            if (j != k && sig[F[j]] == sig[fm]) same = same (same == "" ? "" : " ") F[j]
        printf "%s,%.0f,%.1f,%.1f,%s,%s,%s,%s\n", fm, bits[fm], sum[fm, "tensor"] / n[fm, "tensor"],
            sum[fm, "col"] / n[fm, "col"], csv_field(sprintf("%s %.1f", lod[fm], lo[fm])),
            csv_field(sprintf("%s %.1f", hid[fm], hi[fm])), csv_field(sprintf("%s %.1f", spd[fm], spread[fm])),
            same == "" ? "-" : same
    }
}' "$csv" >"$OUT/per_format.csv" || die "per-format summary"
sec_table "$OUT/per_format.csv" "Per-format summary over the synthetic distributions (absmax, SQNR in dB, each the mean of $NSEEDS seeds; worst and best distribution per tensor; the widest spread between the lowest and highest seed; formats whose every result is identical)."
sec_files
