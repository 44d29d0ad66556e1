# lines.gp: any VALUE against any X, one line per series.
#
#   data    pick.awk blocks: x,y per series
#   xlabel, ylabel
#   logx    1: log axis (base 2); logy 1: log axis (base 10)
#   points  1: points only
#   key     where the key goes (default 'outside right top')
#   zero    with logy: draw values of exactly 0 (which a log axis cannot
#           show) at y = zero, on a dashed line with the tick '0', named
#           zerolabel in the key (default '0 (exact)'); the axis starts at
#           zero/2.  Choose zero below every nonzero value and off the
#           decades (e.g. 10^-9.5), so no decade's tick stands beside it;
#           in decimals (0.000316): gnuplot reads no 3.16e-4 in a string
load common
if (!exists("xlabel")) xlabel = ''
if (!exists("ylabel")) ylabel = ''
if (!exists("logx")) logx = 0
if (!exists("logy")) logy = 0
if (!exists("points")) points = 0
if (!exists("key")) key = 'outside right top'
if (!exists("zero")) zero = 0
if (!exists("zerolabel")) zerolabel = '0 (exact)'
n = nblocks(data)
sty = points ? 'points' : 'linespoints'
set xlabel xlabel
set ylabel ylabel
eval 'set key ' . key
if (logx) { set logscale x 2; set format x '2^{%L}'; set format x '%g' }
if (logy) { set logscale y 10; set format y '%g' }
floor = logy && zero > 0
if (floor) {
    set arrow 1 from graph 0, first zero to graph 1, first zero nohead ls 100
    set yrange [zero / 2.0:*]
    set ytics add ('0' zero)
}
yv(y) = floor && y == 0 ? zero : y
do for [T=1:2] {
    eval term(T)
    if (floor) {
        plot for [i=0:n-1] data index i using 1:(yv($2)) with @sty title columnheader(1), \
             NaN with lines ls 100 title zerolabel
    } else {
        plot for [i=0:n-1] data index i using 1:2 with @sty title columnheader(1)
    }
}
set output
