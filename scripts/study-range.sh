#!/bin/sh
# study-range.sh: the range choice of a per-tensor scale: the maximum,
# percentiles 99 to 99.99 of |x| (clipping the rest), and the MSE-optimal
# clip (a search over 100 ratios); and static calibration (ranges from one
# tensor applied to another of the same distribution, or calibrated on a
# tensor with half the test data's spread, as when the data's spread has
# doubled since calibration) against dynamic ranges.  Built as a plan file: each
# source is calibrated on its own kind of data.
#
# Usage: scripts/study-range.sh [--full] [--out DIR] [--fpq PATH]
#                               [--data DIR] [--threads N]

. "$(dirname "$0")/study-lib.sh"
study_init range "$@"
n=$(size 4096 16384 1048576)

: >"$OUT/plan.txt"
for d in "normal:n=$n" "laplace:n=$n" "t:n=$n,nu=3"; do
    kind=${d%%:*}
    case $kind in t) label=student-t3 ;; *) label=$kind ;; esac
    # the drifted calibration set: the same kind with half the spread (the
    # test data's spread is twice the calibration's)
    case $kind in normal) drift="$d,std=0.5" ;; *) drift="$d,scale=0.5" ;; esac
    k=1
    while [ $k -le "$NSEEDS" ]; do
        for fmt in int4 int8 fp4_e2m1; do
            for r in max percentile:99 percentile:99.9 percentile:99.99 mse; do
                for cal in - "$d,seed=$((100 + k))" "$drift,seed=$((200 + k))"; do
                    printf 'source=%s,seed=%d label=%s format=%s range=%s calibrate=%s\n' "$d" "$k" "$label" "$fmt" "$r" "$cal"
                done
            done
        done
        k=$((k + 1))
    done >>"$OUT/plan.txt"
done
run_sweep range-seeds --plan "$OUT/plan.txt"
# the calibration source differs from seed to seed: one cell per kind of
# calibration before averaging
awkp '
NR == 1 { csv_head($0); print; next }
{
    n = csv_split($0, f)
    c = f[col("calibrate")]
    f[col("calibrate")] = c == "-" ? "-" : (c ~ /(std|scale)=0.5/ ? "drifted" : "same distribution")
    line = ""
    for (i = 1; i <= n; i++) line = line (i > 1 ? "," : "") csv_field(f[i])
    print line
}' "$OUT/range-seeds.csv" >"$OUT/.range-cal.csv" || die "calibration kinds"
seed_summary "$OUT/.range-cal.csv" "$OUT/range.csv"
rm -f "$OUT/.range-cal.csv"
csv=$OUT/range.csv

sec_h2 "Range choice and calibration"
sec_p "The scale of a tensor follows its clip value c: c = max|x| never clips but wastes codes on rare large values; a percentile of |x| or the MSE-optimal c (the ratio of max|x| with the least squared error, searched over 100 steps) clips the tail and refines the rest.  The gain grows with the tails (Student-t more than Laplace more than normal) and with fewer bits.  Static ranges are computed once on calibration data and reused: on data like the calibration set they match dynamic ranges; when the data's spread doubles (the drifted calibration set here has half the test data's spread), values beyond the static range clip."
sec_p "Every tensor holds $n values; each cell ran under $NSEEDS seeds (test and calibration tensors drawn anew each time) and the tables show the mean."
awkp '
NR == 1 { csv_head($0); print "key,range,cal,sqnr_db,clipped_frac,clip_ratio"; next }
{
    csv_split($0, f)
    c = f[col("calibrate")]
    cal = c == "-" ? "dynamic" : (c == "same distribution" ? "static" : "drifted static")
    printf "%s,%s,%s,%s,%s,%s\n", csv_field(f[col("label")] " " f[col("format")]), csv_field(f[col("range")]), csv_field(cal), f[col("sqnr_db")], f[col("clipped_frac")], f[col("clip_ratio")]
}' "$csv" >"$OUT/derived.csv" || die "derived"
pivot "$OUT/derived.csv" "$OUT/dynamic.csv" "cal=dynamic" key range sqnr_db 1 "data and format"
plot bars ranges data="$OUT/dynamic.csv" ylabel="SQNR (dB)" title="Range choice (dynamic, per tensor)"
sec_fig ranges "SQNR for each range choice, ranges from the tensor itself."
pivot "$OUT/derived.csv" "$OUT/static.csv" "range~^(max|percentile:99.9|mse)\$" key range,cal sqnr_db 1 "data and format"
plot bars static data="$OUT/static.csv" ylabel="SQNR (dB)" title="Static (calibrated) against dynamic ranges" w=1200
sec_fig static "Static ranges from a calibration tensor of the same distribution, or of one with half the spread (drifted: the test data's spread is twice the calibration's), against dynamic ranges; means of $NSEEDS seeds."
# generated: what drift costs with the max range, per data and format; each
# number quoted is recorded (claim) and re-checked by scripts/lint-report.sh
awkp '
NR == 1 { csv_head($0); next }
{
    csv_split($0, f)
    if (f[col("range")] != "max") next
    k = f[col("key")]; c = f[col("cal")]
    if (!(k in seen)) { seen[k] = 1; K[++nk] = k }
    v[k, c] = f[col("sqnr_db")]; cl[k, c] = f[col("clipped_frac")]
}
END {
    for (i = 1; i <= nk; i++) {
        k = K[i]
        if (((k, "dynamic") in v) && ((k, "static") in v) && ((k, "drifted static") in v))
            printf "%s\t%s\t%s\t%s\t%s\n", k, v[k, "dynamic"], v[k, "static"], v[k, "drifted static"], cl[k, "drifted static"]
    }
}' "$OUT/derived.csv" >"$OUT/.claim.txt" || die "drift claim"
d=$OUT/derived.csv
drift=
while IFS='	' read -r k dy st dr cl; do
    drift="${drift:+$drift; }$k: $(claim "$d" key+range+cal "$k|max|dynamic" sqnr_db "$dy" 1) dB dynamic, $(claim "$d" key+range+cal "$k|max|static" sqnr_db "$st" 1) dB static, $(claim "$d" key+range+cal "$k|max|drifted static" sqnr_db "$dr" 1) dB drifted static (a fraction $(claim "$d" key+range+cal "$k|max|drifted static" clipped_frac "$cl" 4) clipped)"
done <"$OUT/.claim.txt"
rm -f "$OUT/.claim.txt"
[ -n "$drift" ] && sec_p "With the max range: $drift."
pivot "$OUT/derived.csv" "$OUT/clip.csv" "cal=dynamic" key range clip_ratio 3 "data and format"
sec_table "$OUT/clip.csv" "The chosen clip value as a fraction of max|x| (dynamic)."
pivot "$OUT/derived.csv" "$OUT/table.csv" "" key range,cal sqnr_db 1 "data and format"
sec_table "$OUT/table.csv" "SQNR (dB) of every cell (means of $NSEEDS seeds; every tensor holds $n values, 1 x $n)."
sec_files
