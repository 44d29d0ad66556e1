# sqnr_bits.gp: SQNR against bits per value, beside the limits.
#
#   data   pick.awk blocks: bits_per_value,sqnr_db[,label]  (one per series)
#   lloyd  `fpq lloydmax --csv`: the Lloyd-Max optimum of a unit Gaussian
#   labels 1: write the label (third column) left of each point of the first
#          series (labelling every series would pile labels up)
#   lines  1: join the points of a series
#   xmax   the right end of the x axis (default: automatic)
#   errbars 1: the data lines are x,y,min,max[,label] (the seed spread,
#          drawn as error bars)
# Drawn: every series; the Gaussian rate-distortion bound D(R) = 2^(-2R),
# i.e. SQNR = 20 log10(2) R = 6.02 R dB (no quantizer of a Gaussian at R bits
# does better); the Lloyd-Max points (the best scalar quantizer of a
# Gaussian at 2^R levels).  A Gaussian is the hardest source at a given
# variance, so other distributions can sit above the line.
load common
if (!exists("labels")) labels = 0
if (!exists("lines")) lines = 0
if (!exists("errbars")) errbars = 0
lc = errbars ? 5 : 3
n = nblocks(data)
set xlabel 'bits per value (element + scale + outlier overhead)'
set ylabel 'SQNR (dB)'
set key inside left top opaque box lc rgb '#cccccc'
if (exists("xmax")) { set xrange [0:xmax] } else { set xrange [0:*] }
set yrange [0:*]
rd(x) = 20 * log10(2) * x
set style textbox opaque noborder margins 0.3,0.2
sty = errbars ? (lines ? 'yerrorlines' : 'yerrorbars') : (lines ? 'linespoints' : 'points')
u = errbars ? '1:2:3:4' : '1:2'
do for [T=1:2] {
    eval term(T)
    if (labels) {
        plot rd(x) with lines ls 100 title 'rate-distortion bound (6.02 dB/bit)', \
             lloyd skip 1 using 1:4 with points pt 6 ps 1.6 lc rgb 'black' title 'Lloyd-Max optimum (Gaussian)', \
             for [i=0:n-1] data index i using @u with @sty lt i+1 title columnheader(1), \
             data index 0 using 1:2:lc with labels boxed offset char -0.7,0 right font ',7' tc rgb '#333333' notitle
    } else {
        plot rd(x) with lines ls 100 title 'rate-distortion bound (6.02 dB/bit)', \
             lloyd skip 1 using 1:4 with points pt 6 ps 1.6 lc rgb 'black' title 'Lloyd-Max optimum (Gaussian)', \
             for [i=0:n-1] data index i using @u with @sty lt i+1 title columnheader(1)
    }
}
set output
