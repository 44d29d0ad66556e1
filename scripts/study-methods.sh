#!/bin/sh
# study-methods.sh: weight-quantization methods on the real linear layers of
# the bundled Universal Sentence Encoder Lite run over the GPL-3 text
# (make data: DATA/usel/text/NAME-{x,w}.npy, scripts/usel-activations.mjs
# --text), judged on held-out tokens.
#
# For each layer: every method (the METHODS table below: RTN, GPTQ, GPTQ
# with act-order, and the methods fpq matmul offers beyond them when it has
# them) x every weight format (WFORMATS: int4 g128, int4 per channel, MXFP4,
# NVFP4, int8 per channel) x every activation treatment (ACTS: weight-only,
# X int8 per token, X fp8 e4m3 per token).  GPTQ (and any method that
# calibrates) sees the first CAL tokens; every product is evaluated on
# other tokens, the last EVAL ones.  Then the GPTQ gain over RTN against the
# number of calibration tokens (64 to all CAL) on the layer-1 FFN output
# projection, and, labelled as such, the in-sample numbers.
#
# Quick size: the layer-1 attention output and FFN output projections,
# weight-only for every format and W+A for int4 g128, 256 evaluation
# tokens.  FULL=1 (--full): every recorded layer, the whole grid, every
# token after the calibration ones.
#
# Usage: scripts/study-methods.sh [--full] [--small] [--out DIR] [--fpq PATH]
#                                 [--data DIR] [--threads N]

. "$(dirname "$0")/study-lib.sh"
study_init methods "$@"
# one thread per fpq run unless --threads says otherwise: GPTQ quantizes one
# feature at a time, and OpenMP regions that small cost more than they save
# on a busy machine (the results do not depend on it)
OMP_NUM_THREADS=${THREADS:-1}
export OMP_NUM_THREADS

# A method: LABEL|fpq matmul options (CAL: the calibration rows).  A line
# whose options fpq matmul does not take (fpq matmul --help) is left out.
METHODS="rtn|--w-method rtn
gptq|--w-method gptq --calibrate CAL
gptq act-order|--w-method gptq --act-order --calibrate CAL
rtn zero-point|--w-method rtn --w-scheme zeropoint
hqq|--w-method hqq --w-scheme zeropoint
rtn hadamard|--w-method rtn --rotate hadamard
gptq hadamard|--w-method gptq --rotate hadamard --calibrate CAL
rtn smooth 0.5|--w-method rtn --smooth 0.5 --calibrate CAL"
# The weight formats: LABEL|options
WFORMATS="int4 g128|--w-format int4 --w-group 128 --w-axis 0 --w-scale-format fp16
int4 per channel|--w-format int4 --w-granularity col --w-scale-format fp16
MXFP4 (fp4 e2m1 g32)|--w-format fp4_e2m1 --w-scheme mx --w-axis 0
NVFP4|--w-format fp4_e2m1 --w-scheme nvfp4 --w-axis 0
int8 per channel|--w-format int8 --w-granularity col --w-scale-format fp16"
# The activations: LABEL|options
ACTS="weight-only|
W+A int8|--x-format int8 --x-granularity row
W+A fp8|--x-format fp8_e4m3 --x-granularity row"

help=$("$FPQ" matmul --help)
# offered METHOD-OPTIONS: whether fpq matmul takes every option, and the
# method name of --w-method
offered() {
    for o in $1; do
        case $o in --*) printf '%s\n' "$help" | grep -q -- " $o[ =]" || return 1 ;; esac
    done
    m=$(printf '%s\n' "$1" | sed -n 's/.*--w-method \([a-z]*\).*/\1/p')
    [ -z "$m" ] || printf '%s\n' "$help" | grep -q "$m" || return 1
}

if [ -n "$FULL" ]; then
    LAYERS="proj-l0 qkv-l0 attn-l0 ffn1-l0 ffn2-l0 qkv-l1 attn-l1 ffn1-l1 ffn2-l1"
else
    LAYERS=$(size "attn-l1" "attn-l1 ffn2-l1" "")
fi
csv=$OUT/methods.csv
ccsv=$OUT/calibration.csv
rm -f "$csv" "$ccsv" "$OUT/refused.txt"

# run CSV KEYS VALUES X W ARGS...: `fpq matmul ARGS --csv X W` as a row of
# CSV after the comma-separated VALUES of columns KEYS; 1 when fpq refuses
# the combination (a usage error), the run dies on any other failure
run() {
    out=$1 keys=$2 vals=$3 rx=$4 rw=$5
    shift 5
    rc=0
    "$FPQ" matmul "$@" --csv "$rx" "$rw" >"$OUT/.row.csv" 2>"$OUT/.row.err" || rc=$?
    [ $rc -eq 2 ] && return 1
    [ $rc -eq 0 ] || { cat "$OUT/.row.err" >&2; die "fpq matmul $* $rx $rw failed"; }
    if [ ! -s "$out" ]; then
        printf '%s,' "$keys" >"$out"
        head -n 1 "$OUT/.row.csv" >>"$out"
    fi
    printf '%s,' "$vals" >>"$out"
    tail -n 1 "$OUT/.row.csv" >>"$out"
}

# split_tokens X: the tokens of layer input X (its tokens.tsv beside it) in
# n, the calibration ones (the first half, at most 4096; 512 with --small)
# in cal, the evaluation ones (the last ev from token e0: 256, 128 with
# --small, every token after the calibration ones with --full) in ev, e0
split_tokens() {
    n=$(awk 'END { print NR - 1 }' "$(dirname "$1")/tokens.tsv")
    cmax=$(size 512 4096 4096)
    cal=$((n / 2 > cmax ? cmax : n / 2))
    ev=$(size 128 256 $((n - cal)))
    e0=$((n - ev))
}

refused=
nl='
'
done_layers=
for layer in $LAYERS; do
    x=$(real_source "usel-text-$layer-x")
    w=$(real_source "usel-text-$layer-w")
    [ -n "$x" ] && [ -n "$w" ] || continue
    split_tokens "$x"
    done_layers="$done_layers $layer"
    printf '%s\n' "$METHODS" | while IFS='|' read -r mlabel mopts; do
        offered "$mopts" || continue
        mopts=$(printf '%s' "$mopts" | sed "s|CAL|$x[0:$cal]|")
        printf '%s\n' "$WFORMATS" | while IFS='|' read -r flabel fopts; do
            printf '%s\n' "$ACTS" | while IFS='|' read -r alabel aopts; do
                # quick: W+A only for int4 g128
                [ -z "$FULL" ] && [ -n "$aopts" ] && [ "$flabel" != "int4 g128" ] && continue
                # shellcheck disable=SC2086
                run "$csv" layer,method,weights,activations "$layer,$mlabel,$flabel,$alabel" "$x[$e0:$n]" "$w" \
                    $mopts $fopts $aopts || echo "$layer: $mlabel, $flabel, $alabel" >>"$OUT/refused.txt"
            done
        done
    done
done
[ -s "$csv" ] || {
    sec_h2 "Weight methods on real layers: GPTQ and others, held out"
    sec_note "**No real layers**: \`$DATA/usel/text/\` is missing (\`make data\` records it when Node.js is present), so the methods study did not run."
    sec_files
    exit 0
}

# the calibration curve: GPTQ (and act-order) against RTN, int4 g128,
# weight-only, on the layer-1 FFN output projection (else the last layer)
clayer=ffn2-l1
case " $done_layers " in *" $clayer "*) ;; *) clayer=${done_layers##* } ;; esac
x=$(real_source "usel-text-$clayer-x")
w=$(real_source "usel-text-$clayer-w")
split_tokens "$x"
I4="--w-format int4 --w-group 128 --w-axis 0 --w-scale-format fp16"
t=64
while :; do
    [ $t -gt "$cal" ] && t=$cal
    for m in "gptq|" "gptq act-order|--act-order"; do
        # shellcheck disable=SC2086
        run "$ccsv" method,tokens "${m%%|*},$t" "$x[$e0:$n]" "$w" $I4 --w-method gptq ${m#*|} \
            --calibrate "$x[0:$t]" || die "gptq refused"
    done
    [ $t -ge "$cal" ] && break
    t=$((t * 2))
done
# shellcheck disable=SC2086
run "$ccsv" method,tokens "rtn,$cal" "$x[$e0:$n]" "$w" $I4 || die "rtn refused"
# in-sample, labelled: calibrated on the evaluation tokens themselves
for m in "gptq (in-sample)|" "gptq act-order (in-sample)|--act-order"; do
    # shellcheck disable=SC2086
    run "$ccsv" method,tokens "${m%%|*},$ev" "$x[$e0:$n]" "$w" $I4 --w-method gptq ${m#*|} || die "gptq refused"
done
rm -f "$OUT/.row.csv" "$OUT/.row.err"

# the gain over RTN against the calibration tokens (held out)
rtn=$(value_of "$ccsv" method rtn sqnr_db)
awkp 'NR == 1 { print; csv_head($0); next }
{ csv_split($0, f); m = f[col("method")]; if (m == "rtn" || m ~ /in-sample/) next; print }' "$ccsv" >"$OUT/.curve.csv"
PICK_NAME=gptq pick "$OUT/.curve.csv" "$OUT/curve.dat" "" method calib_tokens sqnr_db
rm -f "$OUT/.curve.csv"
awk -v r="$rtn" '/^"/ || /^$/ { print; next } { split($0, a, ","); printf "%s,%.6g\n", a[1], a[2] - r }' \
    "$OUT/curve.dat" >"$OUT/gain.dat"
plot lines gain data="$OUT/gain.dat" logx=1 xlabel="calibration tokens" \
    ylabel="GPTQ SQNR - RTN SQNR (dB), held out" title="GPTQ's gain over RTN against its calibration tokens ($clayer, int4 g128)"

# the ranking: per layer, every cell by output SQNR, with bits per value
awkp 'NR == 1 { csv_head($0); next }
{
    csv_split($0, f); n++
    L[n] = f[col("layer")]; R[n] = csv_field(f[col("method")]) "," csv_field(f[col("weights")]) "," \
        csv_field(f[col("activations")]); S[n] = f[col("sqnr_db")] + 0
    B[n] = sprintf("%.3f,%.3f", f[col("bits_per_value_w")], f[col("bits_per_value_x")])
    if (f[col("in_sample")] == "yes") R[n] = R[n] " (in-sample)"
}
END {
    print "layer,rank,method,weights,activations,sqnr_db,bits_per_value_w,bits_per_value_x"
    for (i = 1; i <= n; i++) {
        r = 1
        for (j = 1; j <= n; j++) if (L[j] == L[i] && (S[j] > S[i] || (S[j] == S[i] && j < i))) r++
        line[L[i], r] = L[i] "," r "," R[i] "," sprintf("%.2f", S[i]) "," B[i]
        if (r > cnt[L[i]]) cnt[L[i]] = r
        if (!(L[i] in seen)) { seen[L[i]] = 1; order[++nl] = L[i] }
    }
    for (k = 1; k <= nl; k++) for (r = 1; r <= cnt[order[k]]; r++) print line[order[k], r]
}' "$csv" >"$OUT/ranking.csv" || die "ranking"
pivot "$csv" "$OUT/weight-only.csv" "activations=weight-only" layer,method weights sqnr_db 2 "layer, method \\ weights"
pivot "$ccsv" "$OUT/curve.csv" "" method tokens sqnr_db 2 "method \\ calibration tokens"

sec_h2 "Weight methods on real layers: GPTQ and others, held out"
sec_p "Every linear layer of the bundled Universal Sentence Encoder Lite, recorded over the GPL-3 text (\`make data\`: $n tokens; X the layer's own input, W its own weight), quantized by each method and each weight format, alone and with X quantized per token; the output SQNR of X W^ against the exact X W on held-out tokens: methods that calibrate (GPTQ, SmoothQuant) see the first $cal tokens, every product is evaluated on the last $ev.  Layers here:$done_layers.  Scales of int4 and int8 are fp16; MXFP4 and NVFP4 blocks run along the input dimension."
if [ -s "$OUT/refused.txt" ]; then
    sec_p "Combinations this fpq refuses are left out: $(wc -l <"$OUT/refused.txt") of them, listed in refused.txt (the first: $(head -n 1 "$OUT/refused.txt"))."
fi
sec_table "$OUT/weight-only.csv" "Output SQNR (dB), weight-only, held-out tokens, by layer and method (rows) and weight format (columns)."
sec_table "$OUT/ranking.csv" "Every cell ranked per layer by output SQNR (dB, held out) with its bits per value of W and X (scales included; 64 for X left in binary64)."

# generated sentences: per layer, GPTQ against RTN at int4 g128 weight-only,
# and the best cell at most 4.5 bits per weight
for layer in $done_layers; do
    r=$(value_of "$csv" layer+method+weights+activations "$layer|rtn|int4 g128|weight-only" sqnr_db)
    g=$(value_of "$csv" layer+method+weights+activations "$layer|gptq|int4 g128|weight-only" sqnr_db)
    a=$(value_of "$csv" layer+method+weights+activations "$layer|gptq act-order|int4 g128|weight-only" sqnr_db)
    [ -n "$r" ] && [ -n "$g" ] && [ -n "$a" ] || continue
    d=$(awk -v g="$g" -v r="$r" 'BEGIN { d = g - r; printf "%s %.2f dB", (d >= 0 ? "gains" : "loses"), (d < 0 ? -d : d) }')
    best=$(awk -F, 'NR > 1 && $1 == l && $7 + 0 <= 4.5 { print; exit }' l="$layer" "$OUT/ranking.csv")
    bm=$(printf '%s' "$best" | cut -d, -f3-5 | sed 's/,/, /g')
    bs=$(printf '%s' "$best" | cut -d, -f6)
    sec_p "$layer: at int4 g128, weight-only, RTN gives $(claim "$csv" layer+method+weights+activations "$layer|rtn|int4 g128|weight-only" sqnr_db "$r" 2) dB and GPTQ $(claim "$csv" layer+method+weights+activations "$layer|gptq|int4 g128|weight-only" sqnr_db "$g" 2) dB (it $d on held-out tokens), with act-order $(claim "$csv" layer+method+weights+activations "$layer|gptq act-order|int4 g128|weight-only" sqnr_db "$a" 2) dB.  The best cell at 4.5 bits per weight or fewer: $bm, $(claim "$OUT/ranking.csv" layer+rank "$layer|$(printf '%s' "$best" | cut -d, -f2)" sqnr_db "$bs" 2) dB."
done

sec_fig gain "GPTQ's output SQNR minus RTN's ($(claim "$ccsv" method rtn sqnr_db "$rtn" 2) dB) on the $ev held-out tokens of $clayer, int4 g128 with fp16 scales, weight-only, against the number of calibration tokens (the first t tokens of the text)."
g64=$(value_of "$ccsv" method+tokens "gptq|64" sqnr_db)
gall=$(value_of "$ccsv" method+tokens "gptq|$cal" sqnr_db)
aall=$(value_of "$ccsv" method+tokens "gptq act-order|$cal" sqnr_db)
gin=$(value_of "$ccsv" method "gptq (in-sample)" sqnr_db)
cross=$(awkp 'NR == 1 { csv_head($0); next }
{ csv_split($0, f); if (f[col("method")] == "gptq" && f[col("sqnr_db")] + 0 > r + 0) { print f[col("calib_tokens")]; exit } }' -v r="$rtn" "$ccsv")
k=$(awkp 'NR == 1 { csv_head($0); next } { csv_split($0, f); print f[col("k")]; exit }' "$ccsv")
sec_p "On $clayer (K = $k inputs), held out: GPTQ calibrated on 64 tokens gives $(claim "$ccsv" method+tokens "gptq|64" sqnr_db "$g64" 2) dB against RTN's $(claim "$ccsv" method rtn sqnr_db "$rtn" 2) dB; $(if [ -n "$cross" ]; then echo "it first beats RTN with $cross calibration tokens"; else echo "it does not beat RTN with any number of calibration tokens tried"; fi); with all $cal it gives $(claim "$ccsv" method+tokens "gptq|$cal" sqnr_db "$gall" 2) dB (act-order $(claim "$ccsv" method+tokens "gptq act-order|$cal" sqnr_db "$aall" 2) dB).  Calibrated on the evaluation tokens themselves (in-sample, not a measure of quality) GPTQ shows $(claim "$ccsv" method "gptq (in-sample)" sqnr_db "$gin" 2) dB: with fewer calibration tokens than inputs the Hessian is rank-deficient and GPTQ fits W^ to the calibration tokens' subspace."
sec_table "$OUT/curve.csv" "Output SQNR (dB) of $clayer on its $ev evaluation tokens by calibration tokens: RTN calibrates nothing (its column is that of all $cal); the in-sample rows are calibrated on the evaluation tokens themselves (calibration.csv has calib_tokens, eval_tokens, overlap_tokens and in_sample of every row)."
sec_files
