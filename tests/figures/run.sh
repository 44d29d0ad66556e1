#!/bin/sh
# run.sh: every gnuplot template of reports/ on the small inputs beside
# this script (hand-written, in the layouts of scripts/lib/pick.awk,
# pivot.awk, fpq hist, fpq ranges and fpq lloydmax).
#
# Usage: tests/figures/run.sh [OUTDIR]     (make check runs it)
#
# A case passes when gnuplot exits 0 and writes nothing at all on stderr
# or stdout (no error, no warning), and both figures exist: a PNG that
# starts with the PNG signature and is larger than 1000 bytes, and a
# non-empty SVG.  Prints one line per failure and a closing
# "N passed, M failed"; exit status 1 when anything failed.

set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tpl=$root/reports
out=${1:-$root/build/check-figures}
mkdir -p "$out"

if ! command -v gnuplot >/dev/null 2>&1; then
    echo "$0: gnuplot not found (make deps installs gnuplot-nox)" >&2
    exit 1
fi

pass=0
fail=0

# check NAME TEMPLATE VARS: run one template with gnuplot -e VARS
check() {
    name=$1
    t=$2
    vars="common='$tpl/common.gp'; out='$out/$name'; $3"
    rm -f "$out/$name.png" "$out/$name.svg"
    if ! gnuplot -e "$vars" "$tpl/$t.gp" >"$out/$name.log" 2>&1; then
        echo "FAIL $t.gp ($name): gnuplot failed:"
        sed 's/^/    /' "$out/$name.log"
        fail=$((fail + 1))
        return
    fi
    if [ -s "$out/$name.log" ]; then
        echo "FAIL $t.gp ($name): gnuplot said:"
        sed 's/^/    /' "$out/$name.log"
        fail=$((fail + 1))
        return
    fi
    sig=$(head -c 8 "$out/$name.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')
    size=$(wc -c <"$out/$name.png" 2>/dev/null || echo 0)
    if [ "$sig" != 89504e470d0a1a0a ] || [ "$size" -le 1000 ]; then
        echo "FAIL $t.gp ($name): no PNG ($size bytes, signature '$sig')"
        fail=$((fail + 1))
        return
    fi
    if [ ! -s "$out/$name.svg" ] || ! grep -q '<svg' "$out/$name.svg"; then
        echo "FAIL $t.gp ($name): no SVG"
        fail=$((fail + 1))
        return
    fi
    rm -f "$out/$name.log"
    pass=$((pass + 1))
}

d=$here
check sqnr_bits sqnr_bits "data='$d/sqnr_bits.dat'; lloyd='$d/lloydmax.csv'; title='SQNR'"
check sqnr_bits_labels sqnr_bits "data='$d/sqnr_bits.dat'; lloyd='$d/lloydmax.csv'; labels=1; lines=1; xmax=12"
check group_size group_size "data='$d/group_size.dat'"
check group_size_marks group_size "data='$d/group_size.dat'; marks='$d/marks.dat'; ylabel='SQNR (dB)'"
check lines lines "data='$d/lines.dat'; logx=1; xlabel='loss scale'; ylabel='%'"
check lines_logy lines "data='$d/group_size.dat'; logy=1; points=1; key='inside left top'"
check lines_zero lines "data='$d/lines.dat'; logx=1; logy=1; zero=0.000316; ylabel='error'"
check bars bars "data='$d/bars.csv'; ylabel='SQNR (dB)'"
check bars_ymin bars "data='$d/bars.csv'; ylabel='SQNR (dB)'; ymin=0"
check histogram histogram "data='$d/histogram.dat'"
check histogram_linear histogram "data='$d/histogram.dat'; logy=0; xlabel='error'"
check numberline numberline "data='$d/numberline.dat'"
check numberline_log numberline "data='$d/numberline.dat'; scale='log'"
check numberline_range numberline "data='$d/numberline.dat'; scale='log'; xmin=-3; xmax=2"
check heatmap heatmap "data='$d/heatmap.csv'; zlabel='SQNR (dB)'"
check heatmap_words heatmap "data='$d/heatmap_words.csv'"
check sqnr_bits_errbars sqnr_bits "data='$d/sqnr_bits_err.dat'; lloyd='$d/lloydmax.csv'; labels=1; errbars=1; xmax=10"
check outliers outliers "data='$d/outliers.dat'; split='$d/split.dat'; at=32"
check drange drange "data='$d/drange_hist.csv'; ranges='$d/drange_ranges.csv'"
check matmul matmul "dynamic='$d/matmul.dat'; static='$d/matmul.dat'; rows=64; k=512; cols=128"
check drange_shift drange "data='$d/drange_hist.csv'; ranges='$d/drange_ranges.csv'; shift=16; xmin=-60; xmax=30"
check task_curves task_curves "data='$d/task_curves.dat'; xlabel='epoch'; ylabel='test accuracy (%)'"
check task_curves_logy task_curves "data='$d/task_curves.dat'; logy=1; key='inside right bottom'"

# every template has at least one case
for f in "$tpl"/*.gp; do
    t=$(basename "$f" .gp)
    [ "$t" = common ] && continue
    if ! grep -q "^check [a-z_]* $t " "$0"; then
        echo "FAIL $t.gp: no case in $0"
        fail=$((fail + 1))
    fi
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
