#!/bin/sh
# study-zeropoint.sh: zero-point (asymmetric) against absmax (symmetric)
# quantization on symmetric, shifted and skewed data: a normal, a normal
# shifted to mean 3, ReLU outputs (max(0, N)) and a log-normal; int8, int4
# and int3, one scale per tensor and per token (row).  Figure: SQNR per
# distribution as clustered bars; table: the same with bits per value.
#
# Usage: scripts/study-zeropoint.sh [--full] [--out DIR] [--fpq PATH]
#                                   [--data DIR] [--threads N]

. "$(dirname "$0")/study-lib.sh"
study_init zeropoint "$@"
shape=$(size rows=16,cols=256 rows=64,cols=1024 rows=256,cols=4096)

eval "set -- $(seeded "normal=normal:$shape" "shifted=normal:$shape,mean=3" "relu=relu:$shape" \
    "lognormal=lognormal:$shape,sigma=1")"
run_sweep zeropoint-seeds "$@" --format int8,int4,int3 --scheme absmax,zeropoint --granularity tensor,row
seed_summary "$OUT/zeropoint-seeds.csv" "$OUT/zeropoint.csv"
csv=$OUT/zeropoint.csv

sec_h2 "Zero-point against absmax"
sec_p "absmax maps [-max|x|, max|x|] onto the integer grid: on data that is not centred at zero half the codes (or more) are never used.  Zero-point maps [min x, max x] onto the grid with an integer offset Z, so zero stays exact and every code is used: about one bit better on one-sided data (ReLU outputs, a log-normal), and on data shifted away from zero, for the price of storing Z (one element width per scale).  On symmetric data the two differ only by the grid: absmax uses the codes -(2^(b-1) - 1) to 2^(b-1) - 1 and never -2^(b-1), zero-point uses all 2^b codes."
sec_p "Each distribution is a tensor of $(shape_of "$csv" normal), drawn under $NSEEDS seeds; figures and tables show the mean."
# generated: the difference on symmetric (normal) data, per format, per tensor
for fm in int8 int4 int3; do
    a=$(value_of "$csv" label+format+scheme+granularity "normal|$fm|absmax|tensor" sqnr_db)
    z=$(value_of "$csv" label+format+scheme+granularity "normal|$fm|zeropoint|tensor" sqnr_db)
    [ -n "$a" ] && [ -n "$z" ] || continue
    d=$(awk -v a="$a" -v z="$z" 'BEGIN { printf "%.1f", z - a }')
    w=$(awk -v d="$d" 'BEGIN { print (d > 0.05 ? "ahead of" : d < -0.05 ? "behind" : "level with") }')
    zp_claims="${zp_claims:+$zp_claims; }$fm: zero-point $(claim "$csv" label+format+scheme+granularity "normal|$fm|zeropoint|tensor" sqnr_db "$z" 1) dB against absmax $(claim "$csv" label+format+scheme+granularity "normal|$fm|absmax|tensor" sqnr_db "$a" 1) dB ($w absmax by ${d#-} dB)"
done
[ -n "${zp_claims:-}" ] && sec_p "On normal (symmetric) data, one scale per tensor: $zp_claims."

pivot "$csv" "$OUT/bars_row.csv" "granularity=row" label format,scheme sqnr_db 1 distribution
plot bars zp_row data="$OUT/bars_row.csv" ylabel="SQNR (dB)" title="absmax against zero-point, one scale per token"
sec_fig zp_row "SQNR of absmax and zero-point per distribution and format, one scale per token (row)."
pivot "$csv" "$OUT/table.csv" "" label,granularity format,scheme sqnr_db 1 "distribution, scale per"
sec_table "$OUT/table.csv" "SQNR (dB) of every cell of the study."
sec_files
