# group_size.gp: error against group size, on a log axis.
#
#   data    pick.awk blocks: group,VALUE per series (format and scale format)
#   marks   optional pick.awk blocks drawn as large single markers (MX at 32,
#           NVFP4 at 16): one block per block format
#   ylabel  what VALUE is (default SQNR (dB))
#   errbars 1: data lines are group,VALUE,min,max (the seed spread, drawn
#           as error bars)
# Smaller groups track the local range better (higher SQNR) but pay one
# scale per group in bits per value.
load common
if (!exists("ylabel")) ylabel = 'SQNR (dB)'
if (!exists("marks")) marks = ''
if (!exists("errbars")) errbars = 0
u = errbars ? '1:2:3:4' : '1:2'
sty = errbars ? 'yerrorlines' : 'linespoints'
n = nblocks(data)
m = marks eq '' ? 0 : nblocks(marks)
set logscale x 2
set xlabel 'group size (elements sharing one scale)'
set ylabel ylabel
set key outside right top
set xtics (8, 16, 32, 64, 128, 256, 512, 1024, 4096)
do for [T=1:2] {
    eval term(T)
    if (m > 0) {
        plot for [i=0:n-1] data index i using @u with @sty title columnheader(1), \
             for [i=0:m-1] marks index i using 1:2 with points pt 3 ps 2.5 lw 2 lc i+7 title columnheader(1)
    } else {
        plot for [i=0:n-1] data index i using @u with @sty title columnheader(1)
    }
}
set output
