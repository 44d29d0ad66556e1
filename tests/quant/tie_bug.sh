#!/bin/sh
# tie_bug.sh: the tie-heavy vectors find a planted tie bug in a quantizer
# that N(0,1) data misses (fpq verify quant).
#
# Usage: tests/quant/tie_bug.sh PATH/TO/fpq [N]
#
# The quantizer under test is tests/quant/int4_quantizer.py (int4, absmax
# per group of 32 along a row, in float32), correct (rint: ties to even)
# and with the planted bug (floor(y + 0.5)).  Inputs, N values (default
# 65536) as rows of 32, rounded to float32 by fpq verify quant:
#   ties    ties:...,fmt=int4,scale=0.0625,group=32: int4 midpoints times
#           2^-4 and their float32 neighbours, each row's first value the
#           max 7 2^-4, so that S = 2^-4 exactly
#   normal  normal:...: N(0,1)
# The reference is fpq quant --format int4 --group 32 --quotient div.
# Prints fpq verify quant's summary of each run; fails unless the correct
# quantizer agrees everywhere, the buggy one agrees on N(0,1) and
# disagrees on the ties.
set -u
fpq=$1
n=${2:-65536}
here=$(dirname "$0")
py=/usr/bin/python3
rows=$((n / 32))
status=0
for data in ties normal; do
    if [ "$data" = ties ]; then
        src="ties:rows=$rows,cols=32,fmt=int4,scale=0.0625,group=32,seed=1"
    else
        src="normal:rows=$rows,cols=32,seed=1"
    fi
    for mode in ok bug; do
        flag=
        [ "$mode" = bug ] && flag=--bug
        out=$("$fpq" verify quant --format int4 --group 32 --quotient div --max-examples 0 "$src" \
            -- "$py" "$here/int4_quantizer.py" $flag)
        rc=$?
        echo "$data, quantizer $mode (exit $rc): ${out#fpq verify quant: }"
        case $data.$mode in
        ties.bug) want=1 ;;
        *) want=0 ;;
        esac
        [ "$rc" -eq "$want" ] || status=1
    done
done
[ $status -eq 0 ] && echo ok || echo FAILED
exit $status
