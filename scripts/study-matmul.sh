#!/bin/sh
# study-matmul.sh: quantization where it matters, on the product Y = X W.
# X (tokens x features) is normal with 1% of its feature columns scaled by
# a growing magnitude (1 to 64: the outlier features of transformer
# activations); W (features x outputs) is normal with std 1/sqrt(K).  The
# error of Y against the exact product for: int8 per tensor and per token
# (W int8 per output channel, exact int32 sums), LLM.int8 at thresholds 3,
# 6 and 10, int4 weight-only (groups of 32 and 128 along the input
# dimension, X and W^ in fp16, fp32 accumulator), fp8 e4m3 per tensor and
# per token (fp32 accumulator).  Static vs dynamic: the activation scales (per
# tensor, and LLM.int8's dimensions) calibrated on another draw of X (stream 1
# of the generator, on the same outlier columns: colstream=0), applied to
# the test X.
#
# Real operands, when make data has run (DATA/usel/, written by
# scripts/usel-activations.mjs): the FFN output projections of the bundled
# Universal Sentence Encoder Lite (X: its ReLU outputs, 91 tokens x 1536;
# W: 1536 x 512), and its residual stream (91 x 512, one feature at 20 to
# 50 on every token) times a normal W, with the same methods.
#
# Usage: scripts/study-matmul.sh [--full] [--small] [--out DIR] [--fpq PATH]
#                                [--data DIR] [--threads N]

. "$(dirname "$0")/study-lib.sh"
study_init matmul "$@"
dims=$(size "16 256 64" "64 1024 256" "256 4096 1024")
set -- $dims
R=$1 K=$2 N=$3
wstd=$(awk -v k="$K" 'BEGIN { printf "%.6g", 1 / sqrt(k) }')
W="normal:rows=$K,cols=$N,std=$wstd,seed=7"
csv=$OUT/matmul.csv
I8X="--x-format int8 --w-format int8 --w-granularity col"
F8X="--x-format fp8_e4m3 --w-format fp8_e4m3 --w-granularity col"

# matmul_row CSV KEYS VALUES X W ARGS...: `fpq matmul ARGS X W` as a row of
# CSV, after the comma-separated VALUES of the columns KEYS (the header
# first when CSV is empty)
matmul_row() {
    out=$1 keys=$2 vals=$3 rx=$4 rw=$5
    shift 5
    "$FPQ" matmul "$@" --csv "$rx" "$rw" >"$OUT/.row.csv" || die "fpq matmul $* $rx $rw failed"
    if [ ! -s "$out" ]; then
        printf '%s,' "$keys" >"$out"
        head -n 1 "$OUT/.row.csv" >>"$out"
    fi
    printf '%s,' "$vals" >>"$out"
    tail -n 1 "$OUT/.row.csv" >>"$out"
}

# one: LABEL MAG CALIBRATE ARGS...: a row of $csv, method and magnitude first
rm -f "$csv"
one() {
    label=$1 mag=$2 cal=$3
    shift 3
    X="outliers:rows=$R,cols=$K,frac=0.01,scale=$mag,seed=1"
    mode=dynamic
    [ -n "$cal" ] && mode=static
    # shellcheck disable=SC2086
    matmul_row "$csv" method,magnitude,mode "$label,$mag,$mode" "$X" "$W" "$@" \
        ${cal:+--calibrate "outliers:rows=$R,cols=$K,frac=0.01,scale=$mag,seed=1,stream=1,colstream=0"}
}

for m in 1 2 4 8 16 32 64; do
    one "int8 per tensor" $m "" $I8X --x-granularity tensor
    one "int8 per token" $m "" $I8X --x-granularity row
    for t in 3 6 10; do
        one "LLM.int8 T=$t" $m "" --scheme llm.int8 --threshold $t
    done
    for g in 32 128; do
        one "int4 weight-only g$g" $m "" --w-format int4 --w-group $g --w-axis 0 --w-scale-format fp16 --in fp16 --acc fp32
    done
    one "fp8 per tensor" $m "" $F8X --x-granularity tensor
    one "fp8 per token" $m "" $F8X --x-granularity row
    one "int8 per tensor" $m 1 $I8X --x-granularity tensor
    one "LLM.int8 T=6" $m 1 --scheme llm.int8 --threshold 6
    one "fp8 per tensor" $m 1 $F8X --x-granularity tensor
done
rm -f "$OUT/.row.csv"

# series blocks: magnitude,sqnr_db per method, for one mode
series() {
    awkp '
NR == 1 { csv_head($0); next }
{
    csv_split($0, f)
    if (f[col("mode")] != mode) next
    series_add(f[col("method")], f[col("magnitude")], f[col("sqnr_db")])
}
END { series_print() }' -v mode="$1" "$csv"
}
series dynamic >"$OUT/dynamic.dat" || die "dynamic.dat"
series static >"$OUT/static.dat" || die "static.dat"
# each static method's position among the dynamic ones: its colour there
static_lt=$(awk -F'"' 'FNR == 1 { file++ } /^"/ { if (file == 1) pos[$2] = ++n; else printf "%d ", pos[$2] }' \
    "$OUT/dynamic.dat" "$OUT/static.dat")
plot matmul matmul dynamic="$OUT/dynamic.dat" static="$OUT/static.dat" static_lt="$static_lt" rows=$R k=$K cols=$N

# ---- real operands -----------------------------------------------------------

# real_one CSV PAIR X W LABEL ARGS...: a row of CSV, operand pair and
# method first
rcsv=$OUT/real.csv
scsv=$OUT/real-static.csv
rm -f "$rcsv" "$scsv"
real_one() {
    out=$1 pair=$2 rx=$3 rw=$4 label=$5
    shift 5
    matmul_row "$out" operands,method "$pair,$label" "$rx" "$rw" "$@"
}

# the pairs: "NAME|X|W", W a bundled tensor or a generator spec
pairs=
for l in 0 1; do
    x=$(real_source "usel-ffn-in-l$l")
    w=$(real_source "usel-ffn-w-l$l")
    [ -n "$x" ] && [ -n "$w" ] && pairs="$pairs
FFN out-proj L$l|$x|$w"
done
for l in 0 1; do
    x=$(real_source "usel-resid-l$l")
    [ -n "$x" ] && pairs="$pairs
residual L$l x normal W|$x|normal:rows=512,cols=512,std=0.0441941738,seed=7"
done
if [ -n "$pairs" ]; then
    printf '%s\n' "$pairs" | while IFS='|' read -r pair x w; do
        [ -n "$pair" ] || continue
        # shellcheck disable=SC2086
        {
            real_one "$rcsv" "$pair" "$x" "$w" "int8 per tensor" $I8X --x-granularity tensor
            real_one "$rcsv" "$pair" "$x" "$w" "int8 per token" $I8X --x-granularity row
            for t in 3 6 10; do
                real_one "$rcsv" "$pair" "$x" "$w" "LLM.int8 T=$t" --scheme llm.int8 --threshold $t
            done
            for g in 32 128; do
                real_one "$rcsv" "$pair" "$x" "$w" "int4 weight-only g$g" --w-format int4 --w-group $g --w-axis 0 \
                    --w-scale-format fp16 --in fp16 --acc fp32
            done
            real_one "$rcsv" "$pair" "$x" "$w" "fp8 per tensor" $F8X --x-granularity tensor
            real_one "$rcsv" "$pair" "$x" "$w" "fp8 per token" $F8X --x-granularity row
        }
    done
    # static against dynamic: calibrated on the tokens of sentences 1-3,
    # tested on those of sentences 4-5 (tokens.tsv beside the tensors)
    tok=$(dirname "$(printf '%s\n' "$pairs" | sed -n 2p | cut -d'|' -f2)")/tokens.tsv
    ncal=$(awk -F'\t' 'NR > 1 && $2 < 3' "$tok" 2>/dev/null | wc -l)
    if [ "$ncal" -gt 0 ]; then
        printf '%s\n' "$pairs" | while IFS='|' read -r pair x w; do
            [ -n "$pair" ] || continue
            for mode in dynamic static; do
                cal=
                [ $mode = static ] && cal="$x[:$ncal]"
                # shellcheck disable=SC2086
                {
                    real_one "$scsv" "$pair" "$x[$ncal:]" "$w" "int8 per tensor ($mode)" $I8X \
                        --x-granularity tensor ${cal:+--calibrate "$cal"}
                    real_one "$scsv" "$pair" "$x[$ncal:]" "$w" "LLM.int8 T=6 ($mode)" --scheme llm.int8 \
                        --threshold 6 ${cal:+--calibrate "$cal"}
                    real_one "$scsv" "$pair" "$x[$ncal:]" "$w" "fp8 per tensor ($mode)" $F8X \
                        --x-granularity tensor ${cal:+--calibrate "$cal"}
                }
            done
        done
    fi
    rm -f "$OUT/.row.csv"
    [ -s "$rcsv" ] || die "no rows for the real operands"
    pivot "$rcsv" "$OUT/real-sqnr.csv" "" method operands sqnr_db 1 "method \\ operands"
    if [ -s "$OUT/real-static.csv" ]; then
        pivot "$OUT/real-static.csv" "$OUT/real-static-sqnr.csv" "" method operands sqnr_db 1 "method \\ operands"
        pivot "$OUT/real-static.csv" "$OUT/real-static-clip.csv" "method~static" method operands clipped_frac_x 5 \
            "method \\ operands"
    fi
    # each method with what X costs it (bits per value of X, over the pairs):
    # LLM.int8's high SQNR is bought with the dimensions it keeps in fp16
    awkp '
FNR == 1 { file++ }
file == 1 && FNR == 1 { csv_head($0); next }
file == 1 {
    csv_split($0, f); m = f[col("method")]; b = f[col("bits_per_value_x")] + 0
    if (!(m in lo) || b < lo[m]) lo[m] = b
    if (!(m in hi) || b > hi[m]) hi[m] = b
    next
}
FNR == 1 { print; next }
{
    n = csv_split($0, f); m = f[1]
    if (m in lo) m = m sprintf(lo[m] == hi[m] ? " (%.1f b/value of X)" : " (%.1f-%.1f b/value of X)", lo[m], hi[m])
    line = csv_field(m)
    for (i = 2; i <= n; i++) line = line "," f[i]
    print line
}' "$rcsv" "$OUT/real-sqnr.csv" >"$OUT/real-bars.csv" || die "real bars"
    plot bars real data="$OUT/real-bars.csv" ylabel="SQNR of Y = XW (dB)" h=640 \
        title="Real operands: Universal Sentence Encoder Lite" w=1200
    pivot "$rcsv" "$OUT/real-outliers.csv" "method~LLM.int8" method operands outlier_frac 4 "method \\ operands"
fi

sec_h2 "Quantized matrix products"
sec_p "The error that matters is the product's: Y = X W with X ($R tokens x $K features, 1% of the feature columns scaled by the outlier magnitude) and W ($K x $N, normal).  Per-tensor and per-token int8 (W per output channel, exact int32 sums rescaled once) lose resolution as the outlier features grow, since every token holds one value of each outlier column; LLM.int8 multiplies the feature dimensions with any |x| >= T in fp16 and the rest in vector-wise int8: as the outliers grow, the fp16 dimensions, nearly exact, carry more of Y, and what it keeps in fp16 is paid in bits per value of X; int4 weight-only does not touch X at all and is limited by its 4-bit weights; fp8's exponent absorbs the outliers' range.  Static scales are calibrated on another draw of X with the same outlier columns (stream 1 of the generator, colstream=0), as a calibration set of the same model has them: the scales then fit the test set up to the spread of its values, and what is clipped is counted (clipped_frac_x in the CSV).  Per-token scales are dynamic by nature (a token's scale comes from that token), so the static panel has the per-tensor methods and LLM.int8, whose outlier dimensions are then the calibration set's while its per-token scales stay the token's own."
sec_fig matmul "SQNR of Y (dB) against the outlier magnitude.  Left: dynamic activation scales.  Right: static scales calibrated on another draw of X with the same outlier columns (and LLM.int8's outlier dimensions from it)."
# generated: LLM.int8's SQNR and what it keeps in fp16, at the smallest and
# the largest magnitude (one draw of X and W: no seed spread here)
for t in 3 6 10; do
    s1=$(value_of "$csv" method+magnitude+mode "LLM.int8 T=$t|1|dynamic" sqnr_db)
    s64=$(value_of "$csv" method+magnitude+mode "LLM.int8 T=$t|64|dynamic" sqnr_db)
    o64=$(value_of "$csv" method+magnitude+mode "LLM.int8 T=$t|64|dynamic" outlier_frac)
    b64=$(value_of "$csv" method+magnitude+mode "LLM.int8 T=$t|64|dynamic" bits_per_value_x)
    [ -n "$s1" ] && [ -n "$s64" ] || continue
    llm="${llm:+$llm; }T=$t: $(claim "$csv" method+magnitude+mode "LLM.int8 T=$t|1|dynamic" sqnr_db "$s1" 1) dB at magnitude 1, $(claim "$csv" method+magnitude+mode "LLM.int8 T=$t|64|dynamic" sqnr_db "$s64" 1) dB at 64, keeping a fraction $(claim "$csv" method+magnitude+mode "LLM.int8 T=$t|64|dynamic" outlier_frac "$o64" 4) of the inner dimension in fp16 there ($(claim "$csv" method+magnitude+mode "LLM.int8 T=$t|64|dynamic" bits_per_value_x "$b64" 2) bits per value of X)"
done
[ -n "${llm:-}" ] && sec_p "LLM.int8, its SQNR and its cost (one draw of X and W): $llm.  A high SQNR bought by keeping many dimensions in fp16 is not an 8-bit result: compare at equal bits per value (the table of bits below)."
pivot "$csv" "$OUT/table.csv" "mode=dynamic" method magnitude sqnr_db 1 "method \\ magnitude"
sec_table "$OUT/table.csv" "SQNR of Y (dB), dynamic scales, by method (rows) and outlier magnitude (columns)."
pivot "$csv" "$OUT/bits.csv" "mode=dynamic" method magnitude bits_per_value_x 3 "method \\ magnitude"
sec_table "$OUT/bits.csv" "Bits per value of X (scales and LLM.int8's fp16 dimensions and their indices included)."
if [ -s "$rcsv" ]; then
    sec_p "Real operands, from the bundled Universal Sentence Encoder Lite run on the LibriVox transcripts (make data; scripts/usel-activations.mjs).  In its FFN output projections X is the ReLU output (91 tokens x 1536, mostly zeros, a few values above 6 scattered over many features) and W the layer's own weight; its residual stream carries one feature at 20 to 50 on every token, the outlier pattern LLM.int8 is built for, and is multiplied here with a normal W (512 x 512, std 1/sqrt(512)), since the model itself only multiplies it after a layer norm that removes the outlier."
    sec_fig real "SQNR of Y (dB) by method, for each pair of real operands (dynamic scales); each method's label gives the bits per value its X costs over the pairs (LLM.int8's fp16 dimensions included), so a bar bought with more bits shows it."
    sec_table "$OUT/real-sqnr.csv" "SQNR of Y (dB) on the real operands, by method (rows) and operand pair (columns)."
    sec_table "$OUT/real-outliers.csv" "Fraction of the inner dimension LLM.int8 keeps in fp16, on the real operands."
    if [ -s "$OUT/real-static-sqnr.csv" ]; then
        sec_p "Static against dynamic scales on real activations: the scales (and LLM.int8's fp16 dimensions) calibrated on the tokens of the first three sentences ($ncal tokens, X[:$ncal]) and applied to the last two (X[$ncal:]), against scales computed on the test tokens themselves."
        sec_table "$OUT/real-static-sqnr.csv" "SQNR of Y (dB) on the test tokens, static and dynamic activation scales."
        sec_table "$OUT/real-static-clip.csv" "Fraction of the test X clipped by the static scales."
    fi
else
    sec_note "**No real operands**: \`$DATA/usel/\` is missing (make data writes it when Node.js is present), so this study shows synthetic operands only."
fi
sec_files
