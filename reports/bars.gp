# bars.gp: clustered bars, one cluster per row of a table.
#
#   data    a CSV table (scripts/lib/pivot.awk): header "KEY,S1,S2,...",
#           one row per cluster; "-" where a value is missing
#   ylabel
#   logy    1: log axis
#   ymin    the bottom of the y axis (default: automatic)
# Each column S1, S2, ... is one colour, titled by its header.
load common
if (!exists("ylabel")) ylabel = ''
if (!exists("logy")) logy = 0
ncol = int(system(sprintf("head -n 1 '%s' | awk -F, '{print NF}'", data)))
set datafile missing '-'
set style data histograms
set style histogram clustered gap 1.5
set style fill solid 0.85 border -1
set boxwidth 0.9
set key outside right top
set ylabel ylabel
set xtics rotate by -30 left
if (logy) { set logscale y 10 } else { if (exists("ymin")) { set yrange [ymin:*] } else { set yrange [*:*] } }
do for [T=1:2] {
    eval term(T)
    plot for [i=2:ncol] data using i:xtic(1) title columnheader(i)
}
set output
