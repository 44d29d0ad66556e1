# histogram.gp: error histograms (or any densities), one step line each.
#
#   data    pick.awk blocks: bin_center,density per series (from fpq hist)
#   xlabel  (default: error / rms(x))
#   logy    1 (default): log density axis, where the tails show
# A uniform quantizer with no clipping gives a flat error between -D/2
# and D/2; float formats give a peaked error (fine steps near zero);
# clipping shows as long tails.
load common
if (!exists("xlabel")) xlabel = 'quantization error / rms(x)'
if (!exists("logy")) logy = 1
n = nblocks(data)
set xlabel xlabel
set ylabel 'density'
set key outside right top
if (logy) { set logscale y 10; set format y '10^{%L}'; set format y '%.0e' }
do for [T=1:2] {
    eval term(T)
    plot for [i=0:n-1] data index i using 1:($2 > 0 ? $2 : NaN) with steps title columnheader(1)
}
set output
