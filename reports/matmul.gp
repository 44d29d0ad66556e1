# matmul.gp: the matrix-product study (scripts/study-matmul.sh), two panels.
#
#   dynamic   pick-style blocks: outlier magnitude,sqnr_db per method,
#             dynamic activation scales (left)
#   static    the same with static scales from a calibration X (right)
#   static_lt       optional: the line type of each static block, by
#                   the position of its method among the dynamic ones
#                   ("1 4 8"), so that a method keeps its colour
#   rows, k, cols   the shape, for the titles
# The key of both panels is the dynamic panel's, below the plots.
load common
if (!exists("rows")) rows = 0
if (!exists("k")) k = 0
if (!exists("cols")) cols = 0
n = nblocks(dynamic)
m = nblocks(static)
if (!exists("static_lt")) static_lt = ''
slt(i) = words(static_lt) > i ? int(word(static_lt, i + 1)) : i + 1
w = 1200
h = 640
do for [T=1:2] {
    eval term(T)
    set multiplot layout 1,2 margins 0.07, 0.98, 0.24, 0.93 spacing 0.08, 0
    set logscale x 2
    set xlabel 'outlier feature magnitude (x std of the others)'
    set ylabel 'SQNR of Y = XW (dB)'
    set key at screen 0.5, 0.02 center bottom horizontal maxrows 3 width 2
    set title sprintf('dynamic scales (%g x %g times %g x %g)', rows, k, k, cols)
    plot for [i=0:n-1] dynamic index i using 1:2 with linespoints lt i + 1 title columnheader(1)
    unset key
    set title 'static scales, calibrated on another draw (same outlier columns)'
    plot for [i=0:m-1] static index i using 1:2 with linespoints lt slt(i) notitle
    unset multiplot
}
set output
