# common.gp: what every template of the report loads first.
#
# Every template is run as
#     gnuplot -e "common='reports/common.gp'; out='DIR/NAME'; data='F'; ..." reports/T.gp
# and writes DIR/NAME.png (cairo) and DIR/NAME.svg from the same commands.
# Variables every template knows: out (required), title, w and h (pixels,
# default 900 x 560).  Data files come from scripts/lib/pick.awk: blocks of
# comma-separated points, each block headed by its series name in quotes.

if (!exists("out")) { print "common.gp: set out='DIR/NAME' (the figure's path without extension)"; exit status 2 }
if (!exists("title")) title = ''
if (!exists("w")) w = 900
if (!exists("h")) h = 560

# the terminal of pass T: 1 PNG, 2 SVG
term(T) = T == 1 \
    ? sprintf("set terminal pngcairo size %d,%d font 'DejaVu Sans,10' noenhanced; set output '%s.png'", w, h, out) \
    : sprintf("set terminal svg size %d,%d font 'DejaVu Sans,10' noenhanced background 'white'; set output '%s.svg'", w, h, out)

# the number of blocks (series) of a pick.awk file
nblocks(f) = int(system(sprintf("grep -c '^\"' '%s'", f)))

set datafile separator comma
set title title
set grid lc rgb '#dddddd'
set border lc rgb '#555555'
set key noenhanced
set style line 100 dt 2 lw 1.5 lc rgb 'black'
set linetype 1 lc rgb '#1f77b4' lw 1.5 pt 7 ps 0.8
set linetype 2 lc rgb '#d62728' lw 1.5 pt 5 ps 0.8
set linetype 3 lc rgb '#2ca02c' lw 1.5 pt 9 ps 0.9
set linetype 4 lc rgb '#ff7f0e' lw 1.5 pt 11 ps 0.9
set linetype 5 lc rgb '#9467bd' lw 1.5 pt 13 ps 0.9
set linetype 6 lc rgb '#8c564b' lw 1.5 pt 4 ps 0.8
set linetype 7 lc rgb '#e377c2' lw 1.5 pt 6 ps 0.8
set linetype 8 lc rgb '#7f7f7f' lw 1.5 pt 8 ps 0.9
set linetype 9 lc rgb '#bcbd22' lw 1.5 pt 10 ps 0.9
set linetype 10 lc rgb '#17becf' lw 1.5 pt 12 ps 0.9
set linetype cycle 10
