# matmul.gp: the matrix-product study (scripts/study-matmul.sh), two panels.
#
#   dynamic   pick-style blocks: outlier magnitude,sqnr_db per method,
#             dynamic activation scales (left)
#   static    the same with static scales from a calibration X (right)
#   rows, k, cols   the shape, for the titles
load common
if (!exists("rows")) rows = 0
if (!exists("k")) k = 0
if (!exists("cols")) cols = 0
n = nblocks(dynamic)
m = nblocks(static)
w = 1200
do for [T=1:2] {
    eval term(T)
    set multiplot layout 1,2
    set logscale x 2
    set xlabel 'outlier feature magnitude (x std of the others)'
    set ylabel 'SQNR of Y = XW (dB)'
    set key bottom left
    set title sprintf('dynamic scales (%g x %g times %g x %g)', rows, k, k, cols)
    plot for [i=0:n-1] dynamic index i using 1:2 with linespoints title columnheader(1)
    set title 'static scales, calibrated on another draw (same outlier columns)'
    plot for [i=0:m-1] static index i using 1:2 with linespoints title columnheader(1)
    unset multiplot
}
set output
