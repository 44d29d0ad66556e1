#!/bin/sh
# study-outliers.sh: outlier channels, as in the activations of large
# language models: normal data of which 0.5% of the columns are scaled by
# a growing magnitude (1 to 64 times the others' std).  int8 with one scale
# per tensor, per token (row) and per group of 128, and the LLM.int8 split
# (columns with any |x| >= T kept in fp16, the rest int8 per token) at
# thresholds T = 3 to 10.  Figures: SQNR against outlier magnitude; the
# outlier fraction and bits per value against the threshold.
#
# Usage: scripts/study-outliers.sh [--full] [--out DIR] [--fpq PATH]
#                                  [--data DIR] [--threads N]

. "$(dirname "$0")/study-lib.sh"
study_init outliers "$@"
shape=$(size rows=32,cols=1024 rows=64,cols=1024 rows=1024,cols=4096)

srcs=
for m in 1 2 4 8 16 32 64; do
    srcs="$srcs $m=outliers:$shape,frac=0.005,scale=$m"
done
# shellcheck disable=SC2086
eval "set -- $(seeded $srcs)"
run_sweep outliers-seeds "$@" --format int8 --granularity tensor,row,group --group 128 --outlier 0,3,4,5,6,8,10
seed_summary "$OUT/outliers-seeds.csv" "$OUT/outliers.csv"
csv=$OUT/outliers.csv

sec_h2 "Outlier channels"
sec_p "A few feature columns much larger than the rest stretch every scale they share: per tensor, or per token (a row holds one value of every column), the outlier sets the step for all the other values.  Groups of 128 confine an outlier to its group.  The LLM.int8 split keeps every column with some |x| >= T in fp16 and quantizes the rest per token, which removes the damage at the price of the kept columns' 16 bits (and a 32-bit index per column)."

awkp '
NR == 1 { csv_head($0); next }
{
    csv_split($0, f)
    g = f[col("granularity")]; t = f[col("outlier")] + 0
    k = ""
    if (t == 0) k = (g == "tensor" ? "int8 per tensor" : g == "row" ? "int8 per token" : "int8 groups of 128")
    else if (g == "row" && (t == 3 || t == 6 || t == 10)) k = "split T=" t " + int8 per token"
    if (k == "") next
    series_add(k, f[col("label")] + 0, f[col("sqnr_db")])
}
END { series_print() }' "$csv" >"$OUT/sqnr.dat" || die "sqnr.dat"
at=32
awkp '
NR == 1 { csv_head($0); next }
{
    csv_split($0, f)
    if (f[col("label")] != at || f[col("granularity")] != "row" || f[col("outlier")] + 0 == 0) next
    n++; T[n] = f[col("outlier")]; B[n] = f[col("bits_per_value")]; O[n] = 100 * f[col("outlier_frac")]
}
END {
    print "\"bits per value (left axis)\""
    for (i = 1; i <= n; i++) print T[i] "," B[i]
    printf "\n\n\"values kept in fp16 in %% (right axis)\"\n"
    for (i = 1; i <= n; i++) print T[i] "," O[i]
}' -v at=$at "$csv" >"$OUT/split.dat" || die "split.dat"
plot outliers outliers data="$OUT/sqnr.dat" split="$OUT/split.dat" at=$at
sec_fig outliers "Left: SQNR as the outlier columns grow (the mean of $NSEEDS seeds; each tensor $(shape_of "$csv" 1)); where split curves coincide their dashes and markers differ.  Right: what the split costs at magnitude $at: the bits per value (left axis) and the share of values kept in fp16 (right axis), against the threshold."

pivot "$csv" "$OUT/table.csv" "granularity=row" label outlier sqnr_db 1 "magnitude \\ threshold"
sec_table "$OUT/table.csv" "SQNR (dB), int8 per token, by outlier magnitude (rows) and split threshold (columns; 0: no split)."
pivot "$csv" "$OUT/bits.csv" "granularity=row" label outlier bits_per_value 2 "magnitude \\ threshold"
sec_table "$OUT/bits.csv" "Bits per value of the same cells."
sec_files
