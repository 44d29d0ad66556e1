# numberline.gp: the anatomy of formats -- where their values sit.
#
#   data    blocks, one per format: x,row (row = the format's line, from 0)
#           linear: x = value / max finite (every format spans -1..1)
#           log:    x = log2 |value| of the positive values
#   scale   'linear' (default) or 'log'
#   xmin, xmax  the x range (default: -1.04..1.04 linear, all of it log)
# One row of ticks per format: integers are evenly spaced; floats bunch up
# near zero (a constant relative step per binade) and spread out toward
# their maximum; the log view shows each format's binades and subnormals.
load common
if (!exists("scale")) scale = 'linear'
n = nblocks(data)
h = 60 + 28 * n > h ? 60 + 28 * n : h
set yrange [-0.8:n-0.2]
set ytics scale 0
set grid xtics
set key off
if (exists("xmin") && exists("xmax")) { set xrange [xmin:xmax] } else { if (scale eq 'log') { set offsets 0.5, 0.5, 0, 0 } else { set xrange [-1.04:1.04] } }
set xlabel (scale eq 'log' ? 'log2 of the positive values (binades)' : 'value / largest finite value')
set ytics ()
do for [i=0:n-1] {
    lab = system(sprintf("grep '^\"' '%s' | sed -n '%dp' | tr -d '\"'", data, i + 1))
    set ytics add (lab i)
}
do for [T=1:2] {
    eval term(T)
    plot for [i=0:n-1] data index i using 1:2:(0):(0.32) with vectors nohead lw 1 lc i+1 notitle, \
         for [i=0:n-1] data index i using 1:($2):(0):(-0.32) with vectors nohead lw 1 lc i+1 notitle
}
set output
