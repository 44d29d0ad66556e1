# outliers.gp: the outlier study, two panels.
#
#   data    pick.awk blocks: outlier magnitude,sqnr_db per method (left)
#   split   pick.awk blocks: threshold,bits_per_value and threshold,
#           outlier_frac (in percent) for the outlier split (right)
#   at      the outlier magnitude of the right panel (for its title)
# Left: as outlier channels grow, one scale per tensor (or per token) is
# stretched by them and the other values lose resolution; groups confine
# the damage; keeping outlier columns aside (LLM.int8) removes it.
# Right: the price of the split: a lower threshold keeps more columns in
# 16 bits, so bits per value grow.
load common
if (!exists("at")) at = 0
n = nblocks(data)
m = nblocks(split)
w = 1200
do for [T=1:2] {
    eval term(T)
    set multiplot layout 1,2
    set logscale x 2
    set xlabel 'outlier channel magnitude (x std of the others)'
    set ylabel 'SQNR (dB)'
    set key bottom left
    set title 'SQNR as outliers grow'
    plot for [i=0:n-1] data index i using 1:2 with linespoints title columnheader(1)
    unset logscale x
    set xlabel 'outlier threshold T (|x| >= T keeps a column in fp16)'
    set ylabel 'bits per value, outlier fraction (%)'
    set key top right
    set title sprintf('the outlier split at magnitude %g', at)
    plot for [i=0:m-1] split index i using 1:2 with linespoints title columnheader(1)
    unset multiplot
}
set output
