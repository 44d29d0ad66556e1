#!/bin/sh
# tie_bug.sh: the tie-heavy vectors find a planted tie bug in a quantizer
# that N(0,1) data misses.
#
# Usage: tests/quant/tie_bug.sh PATH/TO/fpq [N]
#
# Inputs: N float32 values (default 65536) as rows of 32, from fpq gen -- ties:
# (int4 midpoints times 2^-4, each row's first value the max 7 2^-4, so the
# scale is exactly 2^-4) and normal:.  Expected codes and scales: fpq quant
# --format int4 --group 32 --quotient div --codes --scales.  Under test:
# tests/quant/int4_quantizer.py, correct (rint) and with the planted bug
# (floor(y + 0.5)).  Prints the mismatch counts; fails unless the correct
# quantizer matches everywhere, the buggy one matches on N(0,1) and
# mismatches on the ties.
set -eu
fpq=$1
n=${2:-65536}
here=$(dirname "$0")
py=/usr/bin/python3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fpq-tie.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
rows=$((n / 32))
"$fpq" gen "ties:rows=$rows,cols=32,fmt=int4,scale=0.0625,group=32,seed=1" --f32 -o "$tmp/ties.npy"
"$fpq" gen "normal:rows=$rows,cols=32,seed=1" --f32 -o "$tmp/normal.npy"
status=0
for data in ties normal; do
    "$fpq" quant --format int4 --group 32 --quotient div --force --codes "$tmp/want.npy" \
        --scales "$tmp/want-s.npy" --csv "$tmp/$data.npy" >/dev/null
    for mode in ok bug; do
        flag=
        [ "$mode" = bug ] && flag=--bug
        $py "$here/int4_quantizer.py" $flag "$tmp/$data.npy" "$tmp/got.npy" "$tmp/got-s.npy"
        counts=$($py -c "
import sys, numpy as np
w, g = np.load(sys.argv[1]), np.load(sys.argv[2])
ws, gs = np.load(sys.argv[3]), np.load(sys.argv[4])
print(int(np.count_nonzero(w != g)), int(np.count_nonzero(ws != gs)))" \
            "$tmp/want.npy" "$tmp/got.npy" "$tmp/want-s.npy" "$tmp/got-s.npy")
        codes=${counts% *}
        scales=${counts#* }
        echo "$data, quantizer $mode: $codes code and $scales scale mismatches in $((rows * 32)) values"
        if [ "$scales" -ne 0 ]; then status=1; fi
        case $data.$mode in
        ties.bug) [ "$codes" -gt 0 ] || status=1 ;;
        *) [ "$codes" -eq 0 ] || status=1 ;;
        esac
    done
done
[ $status -eq 0 ] && echo ok || echo FAILED
exit $status
