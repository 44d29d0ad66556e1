# drange.gp: where formats' ranges sit against the data, in binades.
#
#   data    a histogram of log2|x| (fpq hist --of log2abs): lo,hi,count,density
#   ranges  `fpq ranges FMT...`: per format its subnormal and normal range
#   shift   log2 of a loss scale to show the data shifted by (default 0)
#   xmin, xmax  the binades shown (default: all)
# Bars: the data's distribution over binades.  Above them, one line per
# format: thin from its smallest subnormal to its smallest normal, thick
# from there to its largest finite value.  Data left of a format's thin
# line rounds to zero; right of its thick line it overflows.
load common
if (!exists("shift")) shift = 0
nf = int(system(sprintf("awk 'END{print NR - 1}' '%s'", ranges)))
set xlabel sprintf('log2 |x|%s', shift != 0 ? sprintf(' (data scaled by 2^%d)', shift) : '')
set ylabel 'density of the data (per binade)'
set y2range [-0.5:nf+0.5]
set y2tics ()
do for [i=2:nf+1] {
    lab = system(sprintf("awk -F, 'NR == %d {print $1}' '%s'", i, ranges))
    set y2tics add (lab i-2)
}
set y2tics scale 0
set key top left
set style fill solid 0.5 noborder
if (exists("xmin") && exists("xmax")) { set xrange [xmin:xmax] }
set yrange [0:*]
do for [T=1:2] {
    eval term(T)
    plot data skip 1 using (($1+$2)/2 + shift):4:($2-$1) with boxes lc rgb '#999999' title 'data', \
         ranges skip 1 using 6:($0):($7-$6):(0) axes x1y2 with vectors nohead lw 3 lc rgb '#d62728' notitle, \
         ranges skip 1 using 7:($0):($8-$7):(0) axes x1y2 with vectors nohead lw 9 lc rgb '#1f77b4' notitle, \
         NaN with lines lw 3 lc rgb '#d62728' title 'subnormal range', \
         NaN with lines lw 9 lc rgb '#1f77b4' title 'normal range'
}
set output
