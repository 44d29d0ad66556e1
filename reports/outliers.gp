# outliers.gp: the outlier study, two panels.
#
#   data    pick.awk blocks: outlier magnitude,sqnr_db per method (left)
#   split   pick.awk blocks: threshold,bits_per_value (first block, left
#           axis) and threshold,outlier_frac in percent (second block,
#           right axis) for the outlier split (right panel)
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
    # curves that coincide stay visible: each its own dash, the later ones
    # thinner and with larger open markers, drawn last to first so that the
    # thicker early curves stay on top
    plot for [i=n-1:0:-1] data index i using 1:2 with linespoints lt i+1 dt i%4+1 lw (2.5-0.3*i) \
         pt (4+2*i) ps (0.8+0.25*i) title columnheader(1)
    unset logscale x
    set xlabel 'outlier threshold T (|x| >= T keeps a column in fp16)'
    set ylabel 'bits per value'
    set y2label 'values kept in fp16 (%)'
    set ytics nomirror
    set y2tics
    set key top right
    set title sprintf('the outlier split at magnitude %g', at)
    plot split index 0 using 1:2 with linespoints lt 1 title columnheader(1) axes x1y1, \
         split index 1 using 1:2 with linespoints lt 2 title columnheader(1) axes x1y2
    unset y2tics
    unset y2label
    set ytics mirror
    unset multiplot
}
set output
