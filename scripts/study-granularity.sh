#!/bin/sh
# study-granularity.sh: how many values share a scale.  int8, int4,
# fp8_e4m3, fp4_e2m1 and nf4 quantized absmax per tensor, per token (row),
# per channel (column) and in groups of 8 to 1024 along a row, with fp16
# and with e8m0 (power-of-two) scales; the block formats MXFP8, MXFP4,
# MXINT8 (OCP MX, blocks of 32, E8M0 scales) and NVFP4 (blocks of 16, E4M3
# scales and an FP32 tensor scale) beside them.  Figures: error against
# group size; SQNR against bits per value (the scales' overhead); the
# block-scale rules (MX floor, ceil, rceil, even; NVFP4 6 and 4over6) on
# the same data.
#
# Usage: scripts/study-granularity.sh [--full] [--out DIR] [--fpq PATH]
#                                     [--data DIR] [--threads N]
# Quick: a 256 x 1024 Student-t (nu = 4) tensor and one real weight
# matrix; --full: 1024 x 4096 and three real tensors.

. "$(dirname "$0")/study-lib.sh"
study_init granularity "$@"

shape=$(size rows=32,cols=1024 rows=256,cols=1024 rows=1024,cols=4096)
if [ -n "$FULL" ]; then
    real_sources use-ffn-out-l0 use-qkv-l1 gnubg-contact-hidden
elif [ -n "$SMALL" ]; then
    real_sources use-attn-out-l1
else
    real_sources use-ffn-out-l0
fi

# One plan file: the absmax cross product with fp16 scales (rounded to
# nearest) and with e8m0 scales (rounded up: a power of two rounded to
# nearest would clip up to a third of the range), then the block formats (a
# cross product of those would pair NVFP4 with every element format).
plan_for() {
    "$FPQ" sweep --print-plan -q --source "$1" --format int8,int4,fp8_e4m3,fp4_e2m1,nf4 \
        --granularity tensor,row,col,group --group 8,16,32,64,128,256,1024 --scale-format fp16 &&
    "$FPQ" sweep --print-plan -q --source "$1" --format int8,int4,fp8_e4m3,fp4_e2m1,nf4 \
        --granularity group --group 8,16,32,64,128,256,1024 --scale-format e8m0 --scale-round rup &&
    "$FPQ" sweep --print-plan -q --source "$1" --scheme mx --format fp8_e4m3,fp4_e2m1,int8 \
        --scale-rule floor,ceil,rceil,even &&
    "$FPQ" sweep --print-plan -q --source "$1" --scheme nvfp4 --format fp4_e2m1 --scale-rule 6,4over6
}
: >"$OUT/plan.txt"
k=1
while [ $k -le "$NSEEDS" ]; do
    plan_for "student-t4=t:$shape,nu=4,seed=$k" >>"$OUT/plan.txt" || die "plan"
    k=$((k + 1))
done
for l in $REAL_LABELS; do
    plan_for "$(printf '%s\n' "$SWEEP_EXTRA" | grep "^$l=")" >>"$OUT/plan.txt" || die "plan"
done
SWEEP_EXTRA=
run_sweep granularity-seeds --plan "$OUT/plan.txt"
seed_summary "$OUT/granularity-seeds.csv" "$OUT/granularity.csv"
csv=$OUT/granularity.csv
lloyd

sec_h2 "Granularity: how many values share a scale"
sec_p "Each format quantizes the same tensor with one absmax scale per tensor, per token (row), per channel (column), or per group of G consecutive values along a row, the scale stored in fp16 or as a power of two (e8m0).  Smaller groups follow the local range more closely (higher SQNR) but store more scales: group 32 with an fp16 scale costs 16/32 = 0.5 extra bits per value.  fp16 scales are rounded to nearest; e8m0 scales (powers of two, 8 bits) are rounded up, since a power of two rounded down would clip the group's largest values.  Block formats fix the choice: MX (OCP MX 1.0) uses blocks of 32 with an E8M0 scale, NVFP4 blocks of 16 with an E4M3 scale and an FP32 scale per tensor."
[ "$NREAL" -gt 0 ] || sec_note "$REAL_MISSING"
sec_p "The synthetic tensor is Student-t (nu = 4), $(shape_of "$csv" student-t4), drawn under $NSEEDS seeds (figures and tables: the mean; error bars: the lowest and highest seed).  Per-channel scales are shared by the $(value_of "$csv" label+granularity+format+scale_format "student-t4|col|int8|fp16" rows) values of a column, per-token scales by the $(value_of "$csv" label+granularity+format+scale_format "student-t4|row|int8|fp16" cols) of a row."
# generated: MXFP8 against fp8_e4m3 in groups of 32 with the same E8M0 scale
mx=$(value_of "$csv" label+scheme+format "student-t4|mx|fp8_e4m3" sqnr_db)
mxc=$(value_of "$csv" label+scheme+format "student-t4|mx|fp8_e4m3" clipped_frac)
g32=$(value_of "$csv" label+scheme+format+granularity+group+scale_format "student-t4|absmax|fp8_e4m3|group|32|e8m0" sqnr_db)
g32c=$(value_of "$csv" label+scheme+format+granularity+group+scale_format "student-t4|absmax|fp8_e4m3|group|32|e8m0" clipped_frac)
if [ -n "$mx" ] && [ -n "$g32" ]; then
    rel=$(awk -v a="$mx" -v b="$g32" 'BEGIN { print (a < b ? "below" : "not below") }')
    sec_p "MXFP8 and fp8_e4m3 in groups of 32 with an e8m0 scale store the same bits; MXFP8 is $rel: it reaches $(claim "$csv" label+scheme+format student-t4\|mx\|fp8_e4m3 sqnr_db "$mx" 1) dB against $(claim "$csv" label+scheme+format+granularity+group+scale_format "student-t4|absmax|fp8_e4m3|group|32|e8m0" sqnr_db "$g32" 1) dB: its scale follows the OCP MX rule, 2^(floor(log2 max|x|) - emax of the element), which rounds the scale down and clips the block's largest values (clipped_frac $(claim "$csv" label+scheme+format student-t4\|mx\|fp8_e4m3 clipped_frac "$mxc" 4)), while the absmax groups round their power-of-two scale up and clip less (clipped_frac $(claim "$csv" label+scheme+format+granularity+group+scale_format "student-t4|absmax|fp8_e4m3|group|32|e8m0" clipped_frac "$g32c" 4))."
fi

for lab in student-t4 $REAL_LABELS; do
    for sf in fp16 e8m0; do
        PICK_ERR=1 pick "$csv" "$OUT/group_${lab}_$sf.dat" "label=$lab;scheme=absmax;granularity=group;scale_format=$sf" \
            format group sqnr_db
        pick "$csv" "$OUT/marks_$lab.dat" "label=$lab;scheme~^(mx|nvfp4)\$;mx_rule~^(floor|6)\$" scheme,format group sqnr_db
        sed -i -e 's/^"mx fp8_e4m3"/"MXFP8"/' -e 's/^"mx fp4_e2m1"/"MXFP4"/' -e 's/^"mx int8"/"MXINT8"/' \
            -e 's/^"nvfp4 fp4_e2m1"/"NVFP4"/' "$OUT/marks_$lab.dat"
        plot group_size "group_${lab}_$sf" data="$OUT/group_${lab}_$sf.dat" marks="$OUT/marks_$lab.dat" errbars=1 \
            title="SQNR against group size, $sf scales: $lab"
        sec_fig "group_${lab}_$sf" "SQNR against group size with $sf scales on $lab; crosses: the block formats (MX at 32, NVFP4 at 16)."
    done
    pick "$csv" "$OUT/bits_$lab.dat" "label=$lab;scheme=absmax;granularity=group;scale_format=fp16" format \
        bits_per_value sqnr_db
    plot sqnr_bits "bits_$lab" data="$OUT/bits_$lab.dat" lloyd="$OUT/lloydmax.csv" lines=1 xmax=12 \
        title="SQNR against bits per value, groups of 8 to 1024 with fp16 scales: $lab"
    sec_fig "bits_$lab" "The same groups against their cost: each line runs from groups of 1024 (left: 16/1024 of a bit per value for the scales) to groups of 8 (right: 2 bits per value).  Where a line flattens, a smaller group costs more bits than it gains in SQNR; compare the slope with the 6 dB per bit of the dashed line."

    awkp '
NR == 1 { csv_head($0); next }
{
    csv_split($0, f)
    if (f[col("label")] != lab) next
    fm = f[col("format")]; sc = f[col("scheme")]; g = f[col("granularity")]
    key = ""
    if ((sc == "mx" || sc == "nvfp4") && f[col("mx_rule")] != "floor" && f[col("mx_rule")] != "6") next
    if (sc == "mx") key = "MX block 32"
    else if (sc == "nvfp4") key = "NVFP4 block 16"
    else if (g == "tensor" && f[col("scale_format")] == "fp16") key = "tensor"
    else if (g == "row" && f[col("scale_format")] == "fp16") key = "token"
    else if (g == "col" && f[col("scale_format")] == "fp16") key = "channel"
    else if (g == "group" && f[col("group")] == 32) key = "group 32 " f[col("scale_format")]
    else if (g == "group" && f[col("group")] == 128 && f[col("scale_format")] == "fp16") key = "group 128 fp16"
    if (key == "") next
    if (!(fm in seen)) { seen[fm] = 1; F[++nf] = fm }
    v[fm, key] = sprintf("%.1f (%.2f b)", f[col("sqnr_db")], f[col("bits_per_value")])
}
END {
    nk = split("tensor,token,channel,group 128 fp16,group 32 fp16,group 32 e8m0,MX block 32,NVFP4 block 16", K, ",")
    line = "format"
    for (j = 1; j <= nk; j++) line = line "," K[j]
    print line
    for (i = 1; i <= nf; i++) {
        line = F[i]
        for (j = 1; j <= nk; j++) line = line "," (((F[i], K[j]) in v) ? csv_field(v[F[i], K[j]]) : "-")
        print line
    }
}' -v lab="$lab" "$csv" >"$OUT/table_$lab.csv" || die "table"
    sec_table "$OUT/table_$lab.csv" "SQNR in dB (and bits per value) by granularity on $lab."
done

# The block-scale rules on the same tensors: one bar per rule, one cluster
# per block format; sentences from the Student-t means.
sec_h3 "Block-scale rules"
sec_p "The same blocks under each scale rule fpq knows (\`--scale-rule\`; README, Block-scale rules): for MX's E8M0 scale, floor (OCP MX 1.0 §6.3: 2^(floor(log2 amax) - emax_elem)), ceil (2^(ceil(log2 amax) - emax_elem)), rceil (amax / max_elem rounded up to a power of two: cuBLAS, cuDNN, torchao RCEIL) and even (amax rounded to the element's precision before the floor: torchao EVEN); for NVFP4's E4M3 scale, 6 (the block max mapped to 6, NVIDIA's recipe) and 4over6 (Four Over Six, Cook et al. 2025: per block the max mapped to 4 or to 6, whichever has the lower squared error, under a tensor scale of amax / (6 x 256)).  Bits per value do not change with the rule: MX blocks cost 8/32 bits of scale per value, NVFP4 8/16 plus 32 bits per tensor."
for lab in student-t4 $REAL_LABELS; do
    awkp '
NR == 1 { csv_head($0); next }
{
    csv_split($0, f)
    if (f[col("label")] != lab) next
    sc = f[col("scheme")]
    if (sc != "mx" && sc != "nvfp4") next
    fm = f[col("format")]
    k = (sc == "nvfp4") ? "NVFP4" : (fm == "fp8_e4m3" ? "MXFP8" : fm == "fp4_e2m1" ? "MXFP4" : fm == "int8" ? "MXINT8" : "MX " fm)
    r = f[col("mx_rule")]
    if (!(k in seen)) { seen[k] = 1; K[++nk] = k }
    if (!(r in rs)) { rs[r] = 1; R[++nr] = r }
    v[k, r] = f[col("sqnr_db")]
    t[k, r] = sprintf("%.2f dB, %.4f clipped, %.3g b", f[col("sqnr_db")], f[col("clipped_frac")], f[col("bits_per_value")])
}
END {
    line = "format"; for (j = 1; j <= nr; j++) line = line "," R[j]; print line > bars
    line = "format"; for (j = 1; j <= nr; j++) line = line "," R[j]; print line
    for (i = 1; i <= nk; i++) {
        b = K[i]; line = K[i]
        for (j = 1; j <= nr; j++) {
            b = b "," (((K[i], R[j]) in v) ? v[K[i], R[j]] : "-")
            line = line "," (((K[i], R[j]) in t) ? csv_field(t[K[i], R[j]]) : "-")
        }
        print b > bars; print line
    }
}' -v lab="$lab" -v bars="$OUT/rules_$lab.csv" "$csv" >"$OUT/rules_table_$lab.csv" || die "rules table"
    plot bars "rules_$lab" data="$OUT/rules_$lab.csv" ylabel="SQNR (dB)" ymin=0 \
        title="SQNR by block-scale rule: $lab"
    sec_fig "rules_$lab" "SQNR of each block format under each scale rule on $lab (a missing bar: the rule does not apply to the format; MX: floor, ceil, rceil, even; NVFP4: 6, the block maximum scaled to 6, and 4over6, to 4 or 6 per block, the lower squared error)."
    sec_table "$OUT/rules_table_$lab.csv" "Block-scale rules on $lab: SQNR, fraction of values clipped, bits per value."
done
# generated: per MX element the best rule against floor, and 4over6 against 6
for fm in fp8_e4m3 fp4_e2m1 int8; do
    best=; bv=
    for r in floor ceil rceil even; do
        v=$(value_of "$csv" label+scheme+format+mx_rule "student-t4|mx|$fm|$r" sqnr_db)
        [ -n "$v" ] || continue
        if [ -z "$bv" ] || awk -v a="$v" -v b="$bv" 'BEGIN { exit !(a > b) }'; then best=$r; bv=$v; fi
    done
    fl=$(value_of "$csv" label+scheme+format+mx_rule "student-t4|mx|$fm|floor" sqnr_db)
    flc=$(value_of "$csv" label+scheme+format+mx_rule "student-t4|mx|$fm|floor" clipped_frac)
    [ -n "$fl" ] && [ -n "$best" ] || continue
    if [ "$best" = floor ]; then
        sec_p "On student-t4, mx $fm does best under floor, the OCP rule: $(claim "$csv" label+scheme+format+mx_rule "student-t4|mx|$fm|floor" sqnr_db "$fl" 2) dB (clipped_frac $(claim "$csv" label+scheme+format+mx_rule "student-t4|mx|$fm|floor" clipped_frac "$flc" 4))."
    else
        bc=$(value_of "$csv" label+scheme+format+mx_rule "student-t4|mx|$fm|$best" clipped_frac)
        d=$(awk -v a="$bv" -v b="$fl" 'BEGIN { printf "%.2f", a - b }')
        sec_p "On student-t4, mx $fm does best under $best: $(claim "$csv" label+scheme+format+mx_rule "student-t4|mx|$fm|$best" sqnr_db "$bv" 2) dB, $d dB above floor's $(claim "$csv" label+scheme+format+mx_rule "student-t4|mx|$fm|floor" sqnr_db "$fl" 2) dB; floor clips $(claim "$csv" label+scheme+format+mx_rule "student-t4|mx|$fm|floor" clipped_frac "$flc" 4) of the values, $best $(claim "$csv" label+scheme+format+mx_rule "student-t4|mx|$fm|$best" clipped_frac "$bc" 4)."
    fi
done
n6=$(value_of "$csv" label+scheme+mx_rule "student-t4|nvfp4|6" sqnr_db)
n46=$(value_of "$csv" label+scheme+mx_rule "student-t4|nvfp4|4over6" sqnr_db)
if [ -n "$n6" ] && [ -n "$n46" ]; then
    cmp=$(awk -v a="$n46" -v b="$n6" 'BEGIN { print (a > b ? "gains" : "loses") }')
    d=$(awk -v a="$n46" -v b="$n6" 'BEGIN { d = a - b; printf "%.2f", d < 0 ? -d : d }')
    sec_p "NVFP4 with Four Over Six $cmp $d dB on student-t4: $(claim "$csv" label+scheme+mx_rule "student-t4|nvfp4|4over6" sqnr_db "$n46" 2) dB against $(claim "$csv" label+scheme+mx_rule "student-t4|nvfp4|6" sqnr_db "$n6" 2) dB with every block max at 6, at the same bits per value."
fi
sec_files
