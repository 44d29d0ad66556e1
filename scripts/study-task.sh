#!/bin/sh
# study-task.sh: task accuracy -- the default MLP (784-256-128-10) trained
# on Fashion-MNIST (fpq train) under fp32, fp16 without and with dynamic
# loss scaling, and bf16 stored weights without a master copy under round
# to nearest and stochastic rounding, several seeds each; then
# post-training quantization of the fp32 network's weights per output
# channel (fpq eval) at 8 down to 2 bits, MXFP4 and NVFP4, beside each
# layer's output SQNR.  Quick size: the first 5,000 training images, 3
# epochs, 3 seeds, PTQ on 1,000 test images; full: all 60,000, 10 epochs;
# small (tests): 1,000 images, 2 epochs, 1 seed.  Needs make data.
#
# Usage: scripts/study-task.sh [--full] [--out DIR] [--fpq PATH]
#                              [--data DIR] [--threads N]

. "$(dirname "$0")/study-lib.sh"
study_init task "$@"

limit=$(size 1000 5000 0)
epochs=$(size 2 3 10)
seeds=$(size 1 "1 2 3" "1 2 3")
ptq_limit=$(size 500 1000 0)
nseeds=$(echo "$seeds" | wc -w)
threads=${THREADS:+--threads $THREADS}

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

FP16="--w-format fp16 --w-scheme cast --a-format fp16 --a-scheme cast --ga-format fp16 --ga-scheme cast --gw-format fp16 --gw-scheme cast"
BF16="--s-format bf16 --s-scheme cast --no-master"
configs="fp32|
fp16 no loss scaling|$FP16
fp16 dynamic loss scaling|$FP16 --loss-scale dynamic
bf16 weights RNE|$BF16
bf16 weights SR|$BF16 --s-round sr --s-seed 1"

# training curves: one CSV row per configuration, seed and epoch
curves=$OUT/curves.csv
echo "config,seed,epoch,train_loss,test_acc,grad_flush_frac,loss_scale" >"$curves"
echo "$configs" | while IFS='|' read -r name flags; do
    for s in $seeds; do
        model=
        [ "$name" = fp32 ] && model="--out $OUT/fp32-seed$s.safetensors --force"
        # shellcheck disable=SC2086
        "$FPQ" train $data $lim --epochs "$epochs" --seed "$s" $flags $model $threads --csv -q \
            >"$OUT/.run.csv" || die "fpq train ($name, seed $s) failed"
        awkp 'NR == 1 { csv_head($0); next }
{ csv_split($0, f); printf "%s,%s,%s,%s,%s,%s,%s\n", name, seed, f[col("epoch")], f[col("train_loss")], f[col("test_acc")], f[col("grad_flush_frac")], f[col("loss_scale")] }' \
            -v name="$name" -v seed="$s" "$OUT/.run.csv" >>"$curves"
    done
done
rm -f "$OUT/.run.csv"

# the mean over seeds, with the spread, per configuration and epoch
awkp 'NR == 1 { csv_head($0); next }
{
    csv_split($0, f); k = f[col("config")] SUBSEP f[col("epoch")]
    if (!(k in n)) { K[++nk] = k; lo[k] = 2; hi[k] = -1 }
    v = f[col("test_acc")] * 100; n[k]++; s[k] += v; fl[k] += f[col("grad_flush_frac")] * 100
    if (v < lo[k]) lo[k] = v; if (v > hi[k]) hi[k] = v
}
END {
    print "config,epoch,test_acc_pct,test_acc_min,test_acc_max,grad_flush_pct"
    for (i = 1; i <= nk; i++) { split(K[i], p, SUBSEP); k = K[i]
        printf "%s,%s,%.4f,%.4f,%.4f,%.5f\n", p[1], p[2], s[k] / n[k], lo[k], hi[k], fl[k] / n[k] }
}' "$curves" >"$OUT/curves_mean.csv" || die "curves"
csv=$OUT/curves_mean.csv

sec_p "A multilayer perceptron (784-256-128-10, ReLU, softmax cross-entropy, SGD with momentum on a cosine schedule) trained with \`fpq train\` on $( [ "$limit" -gt 0 ] && echo "the first $limit" || echo "all 60,000" ) Fashion-MNIST training images for $epochs epoch(s), seeds $(echo "$seeds" | tr ' ' ','); test accuracy on the 10,000 test images, the mean over the $nseeds seed(s) (the table gives the spread).  fp16 is every weight, activation and gradient rounded to fp16 (casts, fp32 master weights); bf16 weights only is the stored weights in bf16 without a master copy, every update rounded into them."

# generated claims from the last epoch
last=$epochs
acc() { value_of "$csv" config+epoch "$1|$last" test_acc_pct; }
fl() { value_of "$csv" config+epoch "$1|$last" grad_flush_pct; }
a32=$(acc fp32); an=$(acc "bf16 weights RNE"); as=$(acc "bf16 weights SR")
f0=$(fl "fp16 no loss scaling"); f1=$(fl "fp16 dynamic loss scaling")
if [ -n "$a32" ] && [ -n "$an" ] && [ -n "$as" ]; then
    sec_p "After epoch $last: fp32 reaches $(claim "$csv" config+epoch "fp32|$last" test_acc_pct "$a32" 2)% test accuracy; bf16 stored weights under round to nearest $(claim "$csv" config+epoch "bf16 weights RNE|$last" test_acc_pct "$an" 2)%, under stochastic rounding $(claim "$csv" config+epoch "bf16 weights SR|$last" test_acc_pct "$as" 2)%."
fi
if [ -n "$f0" ] && [ -n "$f1" ]; then
    sec_p "fp16 gradients flushed to zero in the last epoch: $(claim "$csv" config+epoch "fp16 no loss scaling|$last" grad_flush_pct "$f0" 3)% of the values without loss scaling, $(claim "$csv" config+epoch "fp16 dynamic loss scaling|$last" grad_flush_pct "$f1" 3)% with dynamic loss scaling."
fi

pick "$csv" "$OUT/curves.dat" "" config epoch test_acc_pct
plot lines curves data="$OUT/curves.dat" xlabel="epoch" ylabel="test accuracy (%)" title="Fashion-MNIST MLP: test accuracy while training"
sec_fig curves "Test accuracy after each epoch, mean over the seeds, per training configuration."
pivot "$csv" "$OUT/table_acc.csv" "" config epoch test_acc_pct 2 "configuration \\ epoch"
sec_table "$OUT/table_acc.csv" "Test accuracy (%), mean over the seeds."
pivot "$curves" "$OUT/table_seeds.csv" "epoch=$last" config seed test_acc 4 "configuration \\ seed"
sec_table "$OUT/table_seeds.csv" "Test accuracy after the last epoch, per seed (the spread)."

# post-training quantization of the fp32 network of seed 1
ptq=$OUT/ptq.csv
first=$(echo "$seeds" | cut -d' ' -f1)
model=$OUT/fp32-seed$first.safetensors
echo "spec,test_acc_pct,fp32_acc_pct,agree_pct,bits_w,sqnr_db_fc1,sqnr_db_fc2,sqnr_db_fc3" >"$ptq"
echo "int8 per channel|--w-format int8 --w-granularity col
int6 per channel|--w-format int6 --w-granularity col
int4 per channel|--w-format int4 --w-granularity col
int3 per channel|--w-format int3 --w-granularity col
int2 per channel|--w-format int2 --w-granularity col
int4 per tensor|--w-format int4
MXFP4|--w-scheme mx --w-axis 0
NVFP4|--w-scheme nvfp4 --w-axis 0" | while IFS='|' read -r name flags; do
    # shellcheck disable=SC2086
    "$FPQ" eval "$model" $data $plim $flags $threads --csv >"$OUT/.ev.csv" || die "fpq eval ($name) failed"
    awkp 'NR == 1 { csv_head($0); next }
{ csv_split($0, f); printf "%s,%.2f,%.2f,%.2f,%.3f,%.2f,%.2f,%.2f\n", name, f[col("test_acc")] * 100, f[col("fp32_acc")] * 100, f[col("agree")] * 100, f[col("bits_w")], f[col("sqnr_db_fc1")], f[col("sqnr_db_fc2")], f[col("sqnr_db_fc3")] }' \
        -v name="$name" "$OUT/.ev.csv" >>"$ptq"
done
rm -f "$OUT/.ev.csv"
sec_h3 "Post-training quantization"
i4=$(value_of "$ptq" spec "int4 per channel" test_acc_pct)
i2=$(value_of "$ptq" spec "int2 per channel" test_acc_pct)
f32=$(value_of "$ptq" spec "int8 per channel" fp32_acc_pct)
sec_p "The fp32 network of seed $first, its weights quantized (round to nearest, absmax), activations and products exact, on $( [ "$ptq_limit" -gt 0 ] && echo "the first $ptq_limit" || echo "all 10,000" ) test images.  agree is the top-1 agreement with the fp32 network; sqnr_db_fcK the SQNR of layer K's output against the fp32 network's."
if [ -n "$i4" ] && [ -n "$i2" ] && [ -n "$f32" ]; then
    sec_p "fp32: $(claim "$ptq" spec "int8 per channel" fp32_acc_pct "$f32" 2)%; int4 per channel: $(claim "$ptq" spec "int4 per channel" test_acc_pct "$i4" 2)%; int2 per channel: $(claim "$ptq" spec "int2 per channel" test_acc_pct "$i2" 2)%."
fi
sec_table "$ptq" "Post-training quantization of the weights: accuracy, agreement, bits per weight and layer output SQNR."
sec_files
