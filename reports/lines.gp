# lines.gp: any VALUE against any X, one line per series.
#
#   data    pick.awk blocks: x,y per series
#   xlabel, ylabel
#   logx    1: log axis (base 2); logy 1: log axis (base 10)
#   points  1: points only
#   key     where the key goes (default 'outside right top')
load common
if (!exists("xlabel")) xlabel = ''
if (!exists("ylabel")) ylabel = ''
if (!exists("logx")) logx = 0
if (!exists("logy")) logy = 0
if (!exists("points")) points = 0
if (!exists("key")) key = 'outside right top'
n = nblocks(data)
sty = points ? 'points' : 'linespoints'
set xlabel xlabel
set ylabel ylabel
eval 'set key ' . key
if (logx) { set logscale x 2; set format x '2^{%L}'; set format x '%g' }
if (logy) { set logscale y 10; set format y '%g' }
do for [T=1:2] {
    eval term(T)
    plot for [i=0:n-1] data index i using 1:2 with @sty title columnheader(1)
}
set output
