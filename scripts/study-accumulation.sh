#!/bin/sh
# study-accumulation.sh: accumulation models of matrix units against the
# dot length K.  x and y uniform on [0, 1) (the sum grows like K/4 and
# nothing cancels, so a lost low bit shows), rounded into fp8 e4m3 or
# bf16; each dot product computed by `fpq dot` under a model: fp32 with
# every addition rounded to nearest (a CUDA-core FMA chain), the tensor-core
# models of Khattak and Mikaitis (h100-fp8: 13 fraction bits kept,
# b200-fp8, a100-bf16, h100-bf16), the Hopper FP8 behaviour with promotion
# to fp32 every 128 products (fp8-14bit-promote128), and the exact sum
# rounded once to fp32.  Error: |emulated - exact| / exact, the mean over
# the seeds.
#
# Usage: scripts/study-accumulation.sh [--full] [--small] [--out DIR]
#                                      [--fpq PATH] [--data DIR] [--threads N]

. "$(dirname "$0")/study-lib.sh"
study_init accumulation "$@"
ks=$(size "16 256 4096" "16 64 256 1024 4096 16384 65536" "16 64 256 1024 4096 16384 65536 262144")
nseeds=$(size 1 2 5)
csv=$OUT/accumulation.csv

# the models, per input: NAME=ARGS of fpq dot
fp8_models="fp32-rne=--acc,fp32 h100-fp8=--acc-model,h100-fp8,--result,fp32 fp8-14bit-promote128=--acc-model,fp8-14bit-promote128 b200-fp8=--acc-model,b200-fp8 exact-then-round=--acc,exact,--result,fp32"
bf16_models="fp32-rne=--acc,fp32 a100-bf16=--acc-model,a100-bf16 h100-bf16=--acc-model,h100-bf16 exact-then-round=--acc,exact,--result,fp32"

echo "input,model,k,seed,rel_err" >"$csv"
for in in fp8_e4m3 bf16; do
    models=$fp8_models
    [ "$in" = bf16 ] && models=$bf16_models
    for mk in $models; do
        name=${mk%%=*}
        args=$(echo "${mk#*=}" | tr ',' ' ')
        for k in $ks; do
            s=1
            while [ "$s" -le "$nseeds" ]; do
                # shellcheck disable=SC2086
                rel=$("$FPQ" dot --in "$in" $args "uniform:rows=2,cols=$k,seed=$s" | awk '$1 == "relative" { print $2 }') ||
                    die "fpq dot --in $in $args failed"
                [ -n "$rel" ] || die "fpq dot --in $in $args printed no relative error"
                echo "$in,$name,$k,$s,$rel" >>"$csv"
                s=$((s + 1))
            done
        done
    done
done

# mean |relative error| over the seeds
awkp '
NR == 1 { csv_head($0); next }
{
    csv_split($0, f)
    key = f[col("input")] "," f[col("model")] "," f[col("k")]
    if (!(key in n)) order[++nk] = key
    v = f[col("rel_err")] + 0
    sum[key] += v < 0 ? -v : v
    n[key]++
}
END {
    print "input,model,k,mean_rel_err,series"
    for (i = 1; i <= nk; i++) {
        split(order[i], p, ",")
        printf "%s,%.4g,%s %s\n", order[i], sum[order[i]] / n[order[i]], p[1], p[2]
    }
}' "$csv" >"$OUT/errors.csv" || die "mean errors"

sec_h2 "Standards: accumulation models"
sec_p "Matrix units do not round every addition.  NVIDIA's tensor cores multiply exactly, align a block of products (and the running sum) to the largest exponent, cut every addend a few bits below it, add exactly and normalise once per block; on Hopper, FP8 products keep only 13 fraction bits in the accumulator, which is why FP8 GEMMs promote the partial sum to FP32 registers every 128 products (DeepSeek-V3).  \`fpq dot --acc-model\` and \`fpq matmul --acc-model\` compute these models exactly; the presets reproduce the outputs of the GPUs measured by Khattak and Mikaitis bit for bit (tests/accmodel/)."

lastk=$(echo "$ks" | awk '{ print $NF }')
e_seq=$(value_of "$OUT/errors.csv" input+model+k "fp8_e4m3|fp32-rne|$lastk" mean_rel_err)
e_h100=$(value_of "$OUT/errors.csv" input+model+k "fp8_e4m3|h100-fp8|$lastk" mean_rel_err)
e_prom=$(value_of "$OUT/errors.csv" input+model+k "fp8_e4m3|fp8-14bit-promote128|$lastk" mean_rel_err)
e_b200=$(value_of "$OUT/errors.csv" input+model+k "fp8_e4m3|b200-fp8|$lastk" mean_rel_err)
e_h100_16=$(value_of "$OUT/errors.csv" input+model+k "fp8_e4m3|h100-fp8|16" mean_rel_err)
e_prom_16=$(value_of "$OUT/errors.csv" input+model+k "fp8_e4m3|fp8-14bit-promote128|16" mean_rel_err)
e_bseq=$(value_of "$OUT/errors.csv" input+model+k "bf16|fp32-rne|$lastk" mean_rel_err)
e_bh100=$(value_of "$OUT/errors.csv" input+model+k "bf16|h100-bf16|$lastk" mean_rel_err)
e_ba100=$(value_of "$OUT/errors.csv" input+model+k "bf16|a100-bf16|$lastk" mean_rel_err)
[ -n "$e_seq" ] && [ -n "$e_h100" ] && [ -n "$e_prom" ] && [ -n "$e_b200" ] && [ -n "$e_bseq" ] && [ -n "$e_bh100" ] &&
    [ -n "$e_ba100" ] && [ -n "$e_h100_16" ] && [ -n "$e_prom_16" ] || die "missing cells in errors.csv"
ratio=$(awk -v a="$e_h100" -v b="$e_prom" 'BEGIN { printf "%.0f", a / b }')
sec_p "For fp8 e4m3 inputs at K = $lastk the 14-bit accumulator without promotion (h100-fp8) is off by $(claim "$OUT/errors.csv" input+model+k "fp8_e4m3|h100-fp8|$lastk" mean_rel_err "$e_h100" 6) on average, against $(claim "$OUT/errors.csv" input+model+k "fp8_e4m3|fp8-14bit-promote128|$lastk" mean_rel_err "$e_prom" 8) with promotion every 128 products (about $ratio times smaller), $(claim "$OUT/errors.csv" input+model+k "fp8_e4m3|b200-fp8|$lastk" mean_rel_err "$e_b200" 8) for B200's wider alignment and $(claim "$OUT/errors.csv" input+model+k "fp8_e4m3|fp32-rne|$lastk" mean_rel_err "$e_seq" 8) for an fp32 sum rounded at every addition.  At K = 16, within one block, the two Hopper models agree ($(claim "$OUT/errors.csv" input+model+k "fp8_e4m3|h100-fp8|16" mean_rel_err "$e_h100_16" 8) and $(claim "$OUT/errors.csv" input+model+k "fp8_e4m3|fp8-14bit-promote128|16" mean_rel_err "$e_prom_16" 8)): promotion matters once the running sum is many times larger than one product, where each block loses the products' bits below 2^-13 of the sum."
sec_p "For bf16 inputs at K = $lastk: $(claim "$OUT/errors.csv" input+model+k "bf16|a100-bf16|$lastk" mean_rel_err "$e_ba100" 8) (A100, 1 extra alignment bit, blocks of 8), $(claim "$OUT/errors.csv" input+model+k "bf16|h100-bf16|$lastk" mean_rel_err "$e_bh100" 8) (H100, 2 extra bits, blocks of 16) and $(claim "$OUT/errors.csv" input+model+k "bf16|fp32-rne|$lastk" mean_rel_err "$e_bseq" 8) for fp32 round-to-nearest at every addition: truncation (round toward zero) of the addends and of each block's sum biases the sum downwards, so these errors grow with K instead of averaging out."

# zeros IN: for input IN, where the log axis draws errors of exactly 0 --
# half a decade below the decade of the smallest nonzero error (10^-9.5
# when every error is 0), empty when none is 0 -- on the first line in
# decimals (for gnuplot), on the second as %.3g; on the third the models
# and dot lengths with error 0 ("fp32-rne (K = 16, 64)", ...; empty when
# none)
zeros() {
    awkp '
NR == 1 { csv_head($0); next }
{
    csv_split($0, f)
    if (f[col("input")] != inp) next
    m = f[col("model")]; v = f[col("mean_rel_err")] + 0
    if (v > 0) { if (min == "" || v < min) min = v; next }
    if (m in ks) ks[m] = ks[m] ", " f[col("k")]
    else { order[++nm] = m; ks[m] = f[col("k")] }
}
END {
    if (nm == 0) { print ""; print ""; print ""; exit }
    e = min == "" ? -9 : int(log(min) / log(10) + 100) - 100
    z = exp((e - 0.5) * log(10))
    printf "%." (3 - e) "f\n%.3g\n", z, z
    for (i = 1; i <= nm; i++)
        printf "%s%s (K = %s)", (i == 1 ? "" : i == nm ? " and " : ", "), order[i], ks[order[i]]
    print ""
}' -v inp="$1" "$OUT/errors.csv" || die "zeros of $1"
}

for in in fp8_e4m3 bf16; do
    pick "$OUT/errors.csv" "$OUT/$in.dat" "input=$in" model k mean_rel_err
    z=$(zeros "$in")
    zero=$(printf '%s\n' "$z" | sed -n 1p)
    zshow=$(printf '%s\n' "$z" | sed -n 2p)
    zwhere=$(printf '%s\n' "$z" | sed -n 3p)
    plot lines "$in" data="$OUT/$in.dat" logx=1 logy=1 xlabel="dot length K" ylabel="mean relative error (log scale)" \
        title="Dot products of $in inputs (uniform on [0, 1)): error against K" ${zero:+zero=$zero}
    if [ -n "$zero" ]; then
        znote="an error of exactly 0 -- the computed sum equal to the exact one for every seed -- is drawn on the dashed line at the tick 0 (at $zshow, below every nonzero error): $zwhere"
    else
        znote="no error is 0"
    fi
    sec_fig "$in" "Mean relative error of the dot product of $in inputs against its length K, per accumulation model ($nseeds seed(s) per point; $znote)."
done
pivot "$OUT/errors.csv" "$OUT/table.csv" "" series k mean_rel_err 8 "input and model"
sec_table "$OUT/table.csv" "Mean relative error by dot length K."
sec_p "Models: \`fpq dot --help\` lists the presets and their parameters; the README gives each one's source.  Inputs: \`uniform:rows=2,cols=K,seed=S\` rounded into the input format, S = 1..$nseeds."
sec_files
