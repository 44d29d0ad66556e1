#!/bin/sh
# study-range.sh: the range choice of a per-tensor scale: the maximum,
# percentiles 99 to 99.99 of |x| (clipping the rest), and the MSE-optimal
# clip (a search over 100 ratios); and static calibration (ranges from one
# tensor applied to another of the same distribution, or to one whose
# spread doubled) against dynamic ranges.  Built as a plan file: each
# source is calibrated on its own kind of data.
#
# Usage: scripts/study-range.sh [--full] [--out DIR] [--fpq PATH]
#                               [--data DIR] [--threads N]

. "$(dirname "$0")/study-lib.sh"
study_init range "$@"
n=$(size 4096 65536 1048576)

: >"$OUT/plan.txt"
for d in "normal:n=$n" "laplace:n=$n" "t:n=$n,nu=3"; do
    kind=${d%%:*}
    case $kind in t) label=student-t3 ;; *) label=$kind ;; esac
    # the drifted calibration set: the same kind with twice the spread
    case $kind in normal) drift="$d,std=0.5" ;; *) drift="$d,scale=0.5" ;; esac
    for fmt in int4 int8 fp4_e2m1; do
        for r in max percentile:99 percentile:99.9 percentile:99.99 mse; do
            for cal in - "$d,seed=2" "$drift,seed=3"; do
                printf 'source=%s,seed=1 label=%s format=%s range=%s calibrate=%s\n' "$d" "$label" "$fmt" "$r" "$cal"
            done
        done
    done >>"$OUT/plan.txt"
done
run_sweep range --plan "$OUT/plan.txt"
csv=$OUT/range.csv

sec_h2 "Range choice and calibration"
sec_p "The scale of a tensor follows its clip value c: c = max|x| never clips but wastes codes on rare large values; a percentile of |x| or the MSE-optimal c (the ratio of max|x| with the least squared error, searched over 100 steps) clips the tail and refines the rest.  The gain grows with the tails (Student-t more than Laplace more than normal) and with fewer bits.  Static ranges are computed once on calibration data and reused: on data like the calibration set they match dynamic ranges; when the data's spread doubles (the drifted set here has half the test data's spread), values beyond the static range clip."
awkp '
NR == 1 { csv_head($0); print "key,range,cal,sqnr_db,clipped_frac,clip_ratio"; next }
{
    csv_split($0, f)
    c = f[col("calibrate")]
    cal = c == "-" ? "dynamic" : (c ~ /seed=2,/ ? "static" : "static, drifted")
    printf "%s %s,%s,%s,%s,%s,%s\n", f[col("label")], f[col("format")], f[col("range")], cal, f[col("sqnr_db")], f[col("clipped_frac")], f[col("clip_ratio")]
}' "$csv" >"$OUT/derived.csv" || die "derived"
pivot "$OUT/derived.csv" "$OUT/dynamic.csv" "cal=dynamic" key range sqnr_db 1 "data and format"
plot bars ranges data="$OUT/dynamic.csv" ylabel="SQNR (dB)" title="Range choice (dynamic, per tensor)"
sec_fig ranges "SQNR for each range choice, ranges from the tensor itself."
pivot "$OUT/derived.csv" "$OUT/static.csv" "range~^(max|percentile:99.9|mse)\$" key range,cal sqnr_db 1 "data and format"
plot bars static data="$OUT/static.csv" ylabel="SQNR (dB)" title="Static (calibrated) against dynamic ranges" w=1200
sec_fig static "Static ranges from a calibration tensor of the same distribution, or of one with half the spread (drifted), against dynamic ranges."
pivot "$OUT/derived.csv" "$OUT/clip.csv" "cal=dynamic" key range clip_ratio 3 "data and format"
sec_table "$OUT/clip.csv" "The chosen clip value as a fraction of max|x| (dynamic)."
pivot "$OUT/derived.csv" "$OUT/table.csv" "" key range,cal sqnr_db 1 "data and format"
sec_table "$OUT/table.csv" "SQNR (dB) of every cell."
sec_files
