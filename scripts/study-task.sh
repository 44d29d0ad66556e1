#!/bin/sh
# study-task.sh: task accuracy -- the default MLP (784-256-128-10) trained
# on Fashion-MNIST (fpq train) and quantized (fpq eval):
#   - training curves under fp32, fp16 without and with dynamic loss
#     scaling, bf16 with an fp32 master copy, bf16 stored weights only
#     (no master copy) under round to nearest and stochastic rounding,
#     fp8 (e4m3 forward, e5m2 gradients, one absmax scale per tensor), and
#     the optimizer's arithmetic in bf16 (round to nearest);
#   - post-training quantization of the weights of the fp32 network of the
#     first seed: every signed preset format per output channel and the
#     main schemes (per tensor, MX, NVFP4, activations too, LLM.int8),
#     test accuracy against bits per value and against the SQNR of the
#     weights (fpq quant) and of the logits;
#   - quantization-aware training against PTQ at 4 bits (int4, fp4_e2m1,
#     nf4 per channel, MXFP4, NVFP4) and where PTQ loses most (3 and 2
#     bits, one scale per tensor, W4A4, W2A8), from each seed's network.
# Every configuration runs under every seed.  Quick size: the first 5,000
# training images, 3 epochs, 3 seeds, QAT 1 epoch, PTQ on the first 1,000
# test images; full: all 60,000 images, 10 epochs, QAT 2 epochs, all
# 10,000 test images; small (tests): 1,000 images, 2 epochs, 1 seed.
# Needs make data.
#
# Usage: scripts/study-task.sh [--full] [--out DIR] [--fpq PATH]
#                              [--data DIR] [--threads N]

. "$(dirname "$0")/study-lib.sh"
study_init task "$@"

limit=$(size 1000 5000 0)
epochs=$(size 2 3 10)
seeds=$(size 1 "1 2 3" "1 2 3")
ptq_limit=$(size 500 1000 0)
qat_epochs=$(size 1 1 2)
nseeds=$(echo "$seeds" | wc -w)
threads=${THREADS:+--threads $THREADS}
# OpenMP threads sleep when idle rather than spin: on a shared machine the
# spinning costs more than it saves in these short runs (unless set)
OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
export OMP_WAIT_POLICY

sec_h2 "Task accuracy"
if [ ! -f "$DATA/fashion-mnist/.complete" ]; then
    sec_note "\`$DATA/fashion-mnist/\` does not exist (\`make data\` fetches Fashion-MNIST), so this study did not run."
    sec_files
    exit 0
fi
data="--data $DATA/fashion-mnist"
lim=
[ "$limit" -gt 0 ] && lim="--limit $limit"
plim=
[ "$ptq_limit" -gt 0 ] && plim="--limit $ptq_limit"
images=$( [ "$limit" -gt 0 ] && echo "the first $limit" || echo "all 60,000" )
tests=$( [ "$ptq_limit" -gt 0 ] && echo "the first $ptq_limit" || echo "all 10,000" )
ntest=$( [ "$ptq_limit" -gt 0 ] && echo "$ptq_limit" || echo 10000 )

# Spearman's rank correlation of two columns of a CSV (ties: mean ranks)
spearman() {
    awkp 'NR == 1 { csv_head($0); next }
{ csv_split($0, f); x = f[col(cx)]; y = f[col(cy)]; if (x == "" || y == "") next; n++; X[n] = x + 0; Y[n] = y + 0 }
function ranks(V, R,    i, j, less, eq) {
    for (i = 1; i <= n; i++) { less = 0; eq = 0
        for (j = 1; j <= n; j++) { if (V[j] < V[i]) less++; else if (V[j] == V[i]) eq++ }
        R[i] = less + (eq + 1) / 2 }
}
END {
    if (n < 3) exit
    ranks(X, RX); ranks(Y, RY)
    for (i = 1; i <= n; i++) { mx += RX[i] / n; my += RY[i] / n }
    for (i = 1; i <= n; i++) { sxy += (RX[i] - mx) * (RY[i] - my); sxx += (RX[i] - mx) ^ 2; syy += (RY[i] - my) ^ 2 }
    if (sxx > 0 && syy > 0) printf "%.4f\n", sxy / sqrt(sxx * syy)
}' -v cx="$2" -v cy="$3" "$1"
}

# ---- training curves --------------------------------------------------------------

cast() { # cast FORMAT POINT...: the points as casts into FORMAT
    f=$1; shift
    for p in "$@"; do printf ' --%s-format %s --%s-scheme cast' "$p" "$f" "$p"; done
}
FP16=$(cast fp16 w a ga gw)
BF16=$(cast bf16 w a ga gw)
BF16S=$(cast bf16 s)
FP8="--w-format fp8_e4m3 --a-format fp8_e4m3 --ga-format fp8_e5m2 --gw-format fp8_e5m2"
# NAME|FLAGS; SEED in FLAGS becomes the run's seed
configs="fp32|
fp16 no loss scaling|$FP16
fp16 dynamic loss scaling|$FP16 --loss-scale dynamic
bf16 fp32 master|$BF16
bf16 weights only RNE|$BF16S --no-master
bf16 weights only SR|$BF16S --no-master --s-round sr --s-seed SEED
fp8 e4m3/e5m2 per tensor|$FP8
bf16 optimizer RNE|--opt-format bf16"

curves=$OUT/curves.csv
echo "config,seed,epoch,train_loss,test_acc,grad_flush_frac,loss_scale,seconds" >"$curves"
echo "$configs" | while IFS='|' read -r name flags; do
    for s in $seeds; do
        model=
        [ "$name" = fp32 ] && model="--out $OUT/fp32-seed$s.safetensors --force"
        f=$(echo "$flags" | sed "s/SEED/$s/g")
        # shellcheck disable=SC2086
        "$FPQ" train $data $lim --epochs "$epochs" --seed "$s" $f $model $threads --csv -q \
            >"$OUT/.run.csv" || die "fpq train ($name, seed $s) failed"
        awkp 'NR == 1 { csv_head($0); next }
{ csv_split($0, f); printf "%s,%s,%s,%s,%s,%s,%s,%s\n", name, seed, f[col("epoch")], f[col("train_loss")], f[col("test_acc")], f[col("grad_flush_frac")], f[col("loss_scale")], f[col("seconds")] }' \
            -v name="$name" -v seed="$s" "$OUT/.run.csv" >>"$curves"
    done
done
products=$(awkp 'NR == 1 { csv_head($0); next } { csv_split($0, f); print f[col("products")]; exit }' "$OUT/.run.csv")
rm -f "$OUT/.run.csv"

# the mean over seeds, with the spread, per configuration and epoch
awkp 'NR == 1 { csv_head($0); next }
{
    csv_split($0, f); k = f[col("config")] SUBSEP f[col("epoch")]
    if (!(k in n)) { K[++nk] = k; lo[k] = 200; hi[k] = -1; llo[k] = 1e300; lhi[k] = -1 }
    v = f[col("test_acc")] * 100; n[k]++; s[k] += v; fl[k] += f[col("grad_flush_frac")] * 100
    if (v < lo[k]) lo[k] = v; if (v > hi[k]) hi[k] = v
    l = f[col("train_loss")] + 0; ls[k] += l; if (l < llo[k]) llo[k] = l; if (l > lhi[k]) lhi[k] = l
}
END {
    print "config,epoch,test_acc_pct,test_acc_min,test_acc_max,train_loss,train_loss_min,train_loss_max,grad_flush_pct,seeds"
    for (i = 1; i <= nk; i++) { split(K[i], p, SUBSEP); k = K[i]
        printf "%s,%s,%.4f,%.4f,%.4f,%.6f,%.6f,%.6f,%.5f,%d\n", p[1], p[2], s[k] / n[k], lo[k], hi[k], ls[k] / n[k], llo[k], lhi[k], fl[k] / n[k], n[k] }
}' "$curves" >"$OUT/curves_mean.csv" || die "curves"
csv=$OUT/curves_mean.csv

sec_p "A multilayer perceptron (784-256-128-10, ReLU, softmax cross-entropy, SGD with momentum 0.9 on a cosine schedule from 0.05, batches of 128) trained with \`fpq train\` on $images Fashion-MNIST training images for $epochs epoch(s) under seeds $(echo "$seeds" | tr ' ' ','), every configuration under every seed; test accuracy on the 10,000 test images, the mean over the $nseeds seed(s), error bars and tables from the lowest to the highest seed.  The fp32 products ran on \`$products\`.  fp16 and bf16 fp32 master: every weight (as the products use it), activation and gradient rounded to the format (casts), the update applied to fp32 weights; bf16 weights only: the stored weights in bf16 without a master copy, every update rounded into them; fp8: weights and activations in fp8_e4m3, activation and weight gradients in fp8_e5m2, each tensor with one absmax scale (the lab's quantizer); bf16 optimizer: the momentum buffer and every operation of the update in bf16, round to nearest (\`--opt-format bf16\`)."

last=$epochs
acc() { value_of "$csv" config+epoch "$1|$last" test_acc_pct; }
loss() { value_of "$csv" config+epoch "$1|$last" train_loss; }
fl() { value_of "$csv" config+epoch "$1|$last" grad_flush_pct; }
a32=$(acc fp32); an=$(acc "bf16 weights only RNE"); as=$(acc "bf16 weights only SR")
l32=$(loss fp32); ln=$(loss "bf16 weights only RNE"); ls=$(loss "bf16 weights only SR")
f0=$(fl "fp16 no loss scaling"); f1=$(fl "fp16 dynamic loss scaling")
a8=$(acc "fp8 e4m3/e5m2 per tensor"); am=$(acc "bf16 fp32 master"); ao=$(acc "bf16 optimizer RNE")
if [ -n "$a32" ] && [ -n "$an" ] && [ -n "$as" ]; then
    verdict=$(awk -v n="$ln" -v s="$ls" 'BEGIN { print (n > s ? "higher" : "not higher") }')
    sec_p "After epoch $last: fp32 reaches $(claim "$csv" config+epoch "fp32|$last" test_acc_pct "$a32" 2)% test accuracy (training loss $(claim "$csv" config+epoch "fp32|$last" train_loss "$l32" 4)); bf16 stored weights without a master copy reach $(claim "$csv" config+epoch "bf16 weights only RNE|$last" test_acc_pct "$an" 2)% under round to nearest (loss $(claim "$csv" config+epoch "bf16 weights only RNE|$last" train_loss "$ln" 4)) and $(claim "$csv" config+epoch "bf16 weights only SR|$last" test_acc_pct "$as" 2)% under stochastic rounding (loss $(claim "$csv" config+epoch "bf16 weights only SR|$last" train_loss "$ls" 4)): the loss under round to nearest is $verdict than under stochastic rounding."
fi
if [ -n "$f0" ] && [ -n "$f1" ]; then
    sec_p "fp16 gradients flushed to zero in the last epoch: $(claim "$csv" config+epoch "fp16 no loss scaling|$last" grad_flush_pct "$f0" 3)% of the values without loss scaling, $(claim "$csv" config+epoch "fp16 dynamic loss scaling|$last" grad_flush_pct "$f1" 3)% with dynamic loss scaling."
fi
if [ -n "$a8" ] && [ -n "$am" ] && [ -n "$ao" ]; then
    sec_p "bf16 with an fp32 master copy: $(claim "$csv" config+epoch "bf16 fp32 master|$last" test_acc_pct "$am" 2)%; fp8 with per-tensor scales: $(claim "$csv" config+epoch "fp8 e4m3/e5m2 per tensor|$last" test_acc_pct "$a8" 2)%; the optimizer in bf16 under round to nearest: $(claim "$csv" config+epoch "bf16 optimizer RNE|$last" test_acc_pct "$ao" 2)%."
fi

curve_data() { # curve_data VALUE LO HI OUT
    awk -f "$LIB/csv.awk" -f "$LIB/pick.awk" -v series=config -v x=epoch -v y="$1" -v lo="$2" \
        -v hi="$3" -v name=data "$csv" >"$4" || die "pick $1"
}
curve_data test_acc_pct test_acc_min test_acc_max "$OUT/curves.dat"
plot task_curves curves data="$OUT/curves.dat" xlabel="epoch" ylabel="test accuracy (%)" title="Fashion-MNIST MLP: test accuracy while training"
sec_fig curves "Test accuracy after each epoch, mean over the seeds, error bars from the lowest to the highest seed, per training configuration."
curve_data train_loss train_loss_min train_loss_max "$OUT/loss.dat"
plot task_curves loss data="$OUT/loss.dat" xlabel="epoch" ylabel="training loss (cross-entropy)" title="Fashion-MNIST MLP: training loss"
sec_fig loss "Mean training loss of each epoch (the batches as trained), mean over the seeds, error bars from the lowest to the highest seed; a linear axis, as the loss spans less than a decade (the configurations differ by hundredths: the table below has them)."
awkp 'NR == 1 { csv_head($0); print "configuration,test accuracy (%),lowest seed,highest seed,training loss,gradients flushed (%)"; next }
{ csv_split($0, f); if (f[col("epoch")] != last) next
  printf "%s,%.2f,%.2f,%.2f,%.4f,%.3f\n", f[col("config")], f[col("test_acc_pct")], f[col("test_acc_min")], f[col("test_acc_max")], f[col("train_loss")], f[col("grad_flush_pct")] }' \
    -v last="$last" "$csv" >"$OUT/table_last.csv"
sec_table "$OUT/table_last.csv" "After the last epoch: mean over the $nseeds seed(s), the spread, the mean training loss and the fraction of gradient values flushed to zero."
pivot "$curves" "$OUT/table_seeds.csv" "epoch=$last" config seed test_acc 4 "configuration \\ seed"
sec_table "$OUT/table_seeds.csv" "Test accuracy after the last epoch, per seed."

# ---- post-training quantization against bits and SQNR -----------------------------

first=$(echo "$seeds" | cut -d' ' -f1)
model=$OUT/fp32-seed$first.safetensors
"$FPQ" formats --csv >"$OUT/.presets.csv" || die "fpq formats failed"
formats=$(awkp 'NR == 1 { csv_head($0); next }
{ csv_split($0, f); k = f[col("kind")]; nm = f[col("name")]
  if (nm == "fp64" || nm == "e8m0") next
  if ((k == "int" && nm !~ /^u/) || k == "lut" || (k == "float" && f[col("layout")] ~ /^1\//)) out = out (out == "" ? "" : " ") nm }
END { print out }' "$OUT/.presets.csv")
rm -f "$OUT/.presets.csv"
[ -n "$formats" ] || die "no formats"
# NAME|FAMILY|EVAL FLAGS|QUANT FLAGS (the weights' spec for fpq quant; - when the
# weights' SQNR says nothing of the product: activations quantized too)
specs=$(for f in $formats; do echo "$f per channel|per channel|--w-format $f --w-granularity col|--format $f --granularity col"; done
echo "int8 per tensor|per tensor|--w-format int8|--format int8
int4 per tensor|per tensor|--w-format int4|--format int4
fp8_e4m3 per tensor|per tensor|--w-format fp8_e4m3|--format fp8_e4m3
MXFP8|MX / NVFP4|--w-scheme mx --w-format fp8_e4m3 --w-axis 0|--scheme mx --format fp8_e4m3 --axis 0
MXFP6|MX / NVFP4|--w-scheme mx --w-format fp6_e2m3 --w-axis 0|--scheme mx --format fp6_e2m3 --axis 0
MXFP4|MX / NVFP4|--w-scheme mx --w-axis 0|--scheme mx --axis 0
NVFP4|MX / NVFP4|--w-scheme nvfp4 --w-axis 0|--scheme nvfp4 --axis 0
int4 group 32|groups|--w-format int4 --w-group 32 --w-axis 0|--format int4 --group 32 --axis 0
W8A8|weights and activations|--w-format int8 --w-granularity col --x-format int8 --x-granularity row|-
W4A4|weights and activations|--w-format int4 --w-granularity col --x-format int4 --x-granularity row|-
W2A8|weights and activations|--w-format int2 --w-granularity col --x-format int8 --x-granularity row|-
LLM.int8|weights and activations|--scheme llm.int8|-")
ptq=$OUT/ptq.csv
echo "spec,family,test_acc_pct,fp32_acc_pct,agree_pct,bits_w,weight_sqnr_db,sqnr_db_fc1,sqnr_db_fc2,sqnr_db_fc3" >"$ptq"
echo "$specs" | while IFS='|' read -r name fam eflags qflags; do
    # shellcheck disable=SC2086
    "$FPQ" eval "$model" $data $plim $eflags $threads --csv >"$OUT/.ev.csv" || die "fpq eval ($name) failed"
    wsq=
    if [ "$qflags" != - ]; then
        # the weights' SQNR over the three layers together: total error
        # power against total signal power
        : >"$OUT/.q.csv"
        for l in 1 2 3; do
            # shellcheck disable=SC2086
            "$FPQ" quant $qflags --csv "$model::fc$l.weight" >"$OUT/.q1.csv" || die "fpq quant ($name, fc$l) failed"
            cat "$OUT/.q1.csv" >>"$OUT/.q.csv"
        done
        wsq=$(awkp '/^source,/ { csv_head($0); next }
{ csv_split($0, f); m = f[col("mse")] * f[col("n")]; e += m; if (f[col("nmse")] > 0) s += m / f[col("nmse")] }
END { if (e > 0 && s > 0) printf "%.4f", 10 * log(s / e) / log(10) }' "$OUT/.q.csv")
    fi
    awkp 'NR == 1 { csv_head($0); next }
{ csv_split($0, f); printf "%s,%s,%.2f,%.2f,%.2f,%.4f,%s,%.3f,%.3f,%.3f\n", name, fam, f[col("test_acc")] * 100, f[col("fp32_acc")] * 100, f[col("agree")] * 100, f[col("bits_w")], wsq, f[col("sqnr_db_fc1")], f[col("sqnr_db_fc2")], f[col("sqnr_db_fc3")] }' \
        -v name="$name" -v fam="$fam" -v wsq="$wsq" "$OUT/.ev.csv" >>"$ptq"
done
rm -f "$OUT/.ev.csv" "$OUT/.q.csv" "$OUT/.q1.csv"

sec_h3 "Post-training quantization: accuracy against bits and SQNR"
sec_p "The fp32 network of seed $first, its weights quantized (round to nearest, absmax, one fp32 scale per output channel unless said), on $tests test images with \`fpq eval\`: every signed preset format (\`fpq formats\`; fp64 and e8m0 left out) and the main schemes.  bits_w: bits per weight with the scales; weight_sqnr_db: the SQNR of the three weight matrices together under the same quantization (\`fpq quant\`; empty where activations are quantized too); sqnr_db_fcK: layer K's output against the fp32 network's (fc3: the logits)."
f32=$(value_of "$ptq" spec "int8 per channel" fp32_acc_pct)
rho_w=$(spearman "$ptq" weight_sqnr_db test_acc_pct)
rho_o=$(spearman "$ptq" sqnr_db_fc3 test_acc_pct)
best4=$(awkp 'NR == 1 { csv_head($0); next }
{ csv_split($0, f); b = f[col("bits_w")] + 0; if (b < 3.9 || b > 4.6) next; a = f[col("test_acc_pct")] + 0
  if (a > ba) { ba = a; bn = f[col("spec")] } }
END { print bn }' "$ptq")
if [ -n "$f32" ] && [ -n "$rho_w" ] && [ -n "$rho_o" ] && [ -n "$best4" ]; then
    echo "measure,value" >"$OUT/ptq_rank.csv"
    echo "spearman weight SQNR,$rho_w" >>"$OUT/ptq_rank.csv"
    echo "spearman logits SQNR,$rho_o" >>"$OUT/ptq_rank.csv"
    sec_p "fp32: $(claim "$ptq" spec "int8 per channel" fp32_acc_pct "$f32" 2)%.  Across the specs, the rank correlation (Spearman) of test accuracy with the weights' SQNR is $(claim "$OUT/ptq_rank.csv" measure "spearman weight SQNR" value "$rho_w" 2), with the logits' SQNR $(claim "$OUT/ptq_rank.csv" measure "spearman logits SQNR" value "$rho_o" 2) (1: the same order).  The most accurate spec from 3.9 to 4.6 bits per weight is $best4, at $(claim "$ptq" spec "$best4" test_acc_pct "$(value_of "$ptq" spec "$best4" test_acc_pct)" 2)%."
fi
# the largest loss against fp32 among the specs whose weights keep at
# least 15 dB, and the loss of the spec with the lowest weight SQNR
awkp 'NR == 1 { csv_head($0); next }
{ csv_split($0, f); q = f[col("weight_sqnr_db")]; if (q == "") next; q += 0
  d = f[col("fp32_acc_pct")] - f[col("test_acc_pct")]
  if (q >= 15 && (hn == "" || d > hd)) { hd = d; hn = f[col("spec")] }
  if (ln == "" || q < lq) { lq = q; ln = f[col("spec")]; ld = d }
  a = f[col("fp32_acc_pct")] / 100 }
END { print "what,spec,loss_points,weight_sqnr_db"; printf "worst at 15 dB or more,%s,%.2f,\n", hn, hd; printf "lowest SQNR,%s,%.2f,%.2f\n", ln, ld, lq
      printf "standard error,,%.2f,\n", 100 * sqrt(a * (1 - a) / nt) }' -v nt="$ntest" "$ptq" >"$OUT/ptq_threshold.csv"
se=$(value_of "$OUT/ptq_threshold.csv" what "standard error" loss_points)
hn=$(value_of "$OUT/ptq_threshold.csv" what "worst at 15 dB or more" spec)
hd=$(value_of "$OUT/ptq_threshold.csv" what "worst at 15 dB or more" loss_points)
ln=$(value_of "$OUT/ptq_threshold.csv" what "lowest SQNR" spec)
ld=$(value_of "$OUT/ptq_threshold.csv" what "lowest SQNR" loss_points)
lq=$(value_of "$OUT/ptq_threshold.csv" what "lowest SQNR" weight_sqnr_db)
if [ -n "$hn" ] && [ -n "$ln" ]; then
    sec_p "Among the specs whose weights keep at least 15 dB, the largest loss against fp32 is $(claim "$OUT/ptq_threshold.csv" what "worst at 15 dB or more" loss_points "$hd" 2) points ($hn); the spec with the lowest weight SQNR, $ln at $(claim "$OUT/ptq_threshold.csv" what "lowest SQNR" weight_sqnr_db "$lq" 1) dB, loses $(claim "$OUT/ptq_threshold.csv" what "lowest SQNR" loss_points "$ld" 2) points.  For scale: the binomial standard error of an accuracy near fp32's on $tests test images is $(claim "$OUT/ptq_threshold.csv" what "standard error" loss_points "$se" 2) points."
fi
pick "$ptq" "$OUT/ptq_bits.dat" "" family bits_w test_acc_pct spec
plot lines ptq_bits data="$OUT/ptq_bits.dat" xlabel="bits per weight (with scales)" ylabel="test accuracy (%)" points=1 logx=1 title="PTQ of the fp32 MLP: test accuracy against bits per weight"
sec_fig ptq_bits "Test accuracy after post-training quantization against bits per weight, one point per spec of the table below, coloured by family."
awkp 'NR == 1 { csv_head($0); print "series,sqnr_db,test_acc_pct"; next }
{ csv_split($0, f); a = f[col("test_acc_pct")]
  if (f[col("weight_sqnr_db")] != "") printf "weights,%s,%s\n", f[col("weight_sqnr_db")], a
  printf "logits (fc3 output),%s,%s\n", f[col("sqnr_db_fc3")], a }' "$ptq" >"$OUT/ptq_sqnr.csv"
pick "$OUT/ptq_sqnr.csv" "$OUT/ptq_sqnr.dat" "" series sqnr_db test_acc_pct
plot lines ptq_sqnr data="$OUT/ptq_sqnr.dat" xlabel="SQNR (dB)" ylabel="test accuracy (%)" points=1 title="Does SQNR predict accuracy? PTQ of the fp32 MLP"
sec_fig ptq_sqnr "Test accuracy against the SQNR of the quantized weights (all three layers together) and of the logits, one point per spec of the table below."
sec_table "$ptq" "Post-training quantization: accuracy, top-1 agreement with fp32, bits per weight, the weights' SQNR and each layer's output SQNR."

# ---- QAT against PTQ ----------------------------------------------------------------

qats="int4 per channel|--w-format int4 --w-granularity col
fp4_e2m1 per channel|--w-format fp4_e2m1 --w-granularity col
nf4 per channel|--w-format nf4 --w-granularity col
MXFP4|--w-scheme mx --w-axis 0
NVFP4|--w-scheme nvfp4 --w-axis 0
int3 per channel|--w-format int3 --w-granularity col
int2 per channel|--w-format int2 --w-granularity col
int4 per tensor|--w-format int4
W4A4|--w-format int4 --w-granularity col --x-format int4 --x-granularity row
W2A8|--w-format int2 --w-granularity col --x-format int8 --x-granularity row"
qat=$OUT/qat.csv
echo "spec,seed,fp32_acc_pct,ptq_acc_pct,qat_acc_pct" >"$qat"
echo "$qats" | while IFS='|' read -r name eflags; do
    tflags=$(echo "$eflags" | sed 's/--x-/--a-/g')
    for s in $seeds; do
        m=$OUT/fp32-seed$s.safetensors
        # shellcheck disable=SC2086
        "$FPQ" eval "$m" $data $plim $eflags $threads --csv >"$OUT/.p.csv" || die "fpq eval ($name, seed $s) failed"
        # shellcheck disable=SC2086
        "$FPQ" train --init "$m" --qat $data $lim --epochs "$qat_epochs" --lr 0.01 --seed "$s" $tflags \
            --out "$OUT/.qat.safetensors" --force $threads --csv -q >/dev/null || die "fpq train --qat ($name, seed $s) failed"
        # shellcheck disable=SC2086
        "$FPQ" eval "$OUT/.qat.safetensors" $data $plim $eflags $threads --csv >"$OUT/.q.csv" ||
            die "fpq eval of the QAT network ($name, seed $s) failed"
        awkp 'FNR == 1 { csv_head($0); next }
{ csv_split($0, f); if (FILENAME ~ /\.p\.csv$/) { p = f[col("test_acc")]; r = f[col("fp32_acc")] } else q = f[col("test_acc")] }
END { printf "%s,%s,%.2f,%.2f,%.2f\n", name, seed, r * 100, p * 100, q * 100 }' \
            -v name="$name" -v seed="$s" "$OUT/.p.csv" "$OUT/.q.csv" >>"$qat"
    done
done
rm -f "$OUT/.p.csv" "$OUT/.q.csv" "$OUT/.qat.safetensors"
awkp 'NR == 1 { csv_head($0); next }
{
    csv_split($0, f); k = f[col("spec")]
    if (!(k in n)) { K[++nk] = k; plo[k] = 200; qlo[k] = 200; phi[k] = -1; qhi[k] = -1 }
    n[k]++; r = f[col("fp32_acc_pct")] + 0; p = f[col("ptq_acc_pct")] + 0; q = f[col("qat_acc_pct")] + 0
    rs[k] += r; ps[k] += p; qs[k] += q
    if (p < plo[k]) plo[k] = p; if (p > phi[k]) phi[k] = p
    if (q < qlo[k]) qlo[k] = q; if (q > qhi[k]) qhi[k] = q
}
END {
    print "spec,fp32,PTQ,PTQ lowest,PTQ highest,QAT,QAT lowest,QAT highest,PTQ loss,QAT recovered,seeds"
    for (i = 1; i <= nk; i++) { k = K[i]
        printf "%s,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%d\n", k, rs[k] / n[k], ps[k] / n[k], plo[k], phi[k], qs[k] / n[k], qlo[k], qhi[k], (rs[k] - ps[k]) / n[k], (qs[k] - ps[k]) / n[k], n[k] }
}' "$qat" >"$OUT/qat_mean.csv" || die "qat summary"
qm=$OUT/qat_mean.csv

sec_h3 "Quantization-aware training against PTQ"
sec_p "From each seed's fp32 network: PTQ as above, and QAT -- $qat_epochs epoch(s) of \`fpq train --init MODEL --qat\` on the training images of the runs above ($images) with the weights (and activations for W4A4 and W2A8) fake-quantized in the forward pass under the same spec, the straight-through estimator in the backward pass, learning rate 0.01 -- then the QAT network quantized the same way.  Test accuracy on $tests test images, the mean over the $nseeds seed(s) with the spread."
i4p=$(value_of "$qm" spec "int4 per channel" PTQ); i4q=$(value_of "$qm" spec "int4 per channel" QAT)
i2p=$(value_of "$qm" spec "int2 per channel" PTQ); i2q=$(value_of "$qm" spec "int2 per channel" QAT)
worst=$(awkp 'NR == 1 { csv_head($0); next } { csv_split($0, f); d = f[col("PTQ loss")] + 0; if (d > bd || bn == "") { bd = d; bn = f[col("spec")] } } END { print bn }' "$qm")
if [ -n "$i4p" ] && [ -n "$i2p" ] && [ -n "$worst" ]; then
    sec_p "int4 per channel: PTQ $(claim "$qm" spec "int4 per channel" PTQ "$i4p" 2)%, after QAT $(claim "$qm" spec "int4 per channel" QAT "$i4q" 2)%; int2 per channel: PTQ $(claim "$qm" spec "int2 per channel" PTQ "$i2p" 2)%, after QAT $(claim "$qm" spec "int2 per channel" QAT "$i2q" 2)%.  PTQ loses most under $worst ($(claim "$qm" spec "$worst" "PTQ loss" "$(value_of "$qm" spec "$worst" "PTQ loss")" 2) points below fp32); QAT wins back $(claim "$qm" spec "$worst" "QAT recovered" "$(value_of "$qm" spec "$worst" "QAT recovered")" 2) of them."
fi
awkp 'NR == 1 { csv_head($0); print "spec,PTQ,QAT"; next } { csv_split($0, f); printf "%s,%s,%s\n", f[col("spec")], f[col("PTQ")], f[col("QAT")] }' "$qm" >"$OUT/qat_bars.csv"
plot bars qat data="$OUT/qat_bars.csv" ylabel="test accuracy (%)" title="PTQ against QAT, mean over the seeds"
sec_fig qat "Test accuracy of PTQ and of QAT under each spec, mean over the seeds (the spread is in the table)."
sec_table "$qm" "PTQ and QAT: mean test accuracy (%) over the seeds with the lowest and highest seed, the points PTQ loses against fp32 and the points QAT wins back."
sec_files
