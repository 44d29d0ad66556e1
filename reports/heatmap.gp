# heatmap.gp: a value (SQNR) over two categories (format x distribution).
#
#   data    a CSV table (scripts/lib/pivot.awk): header "KEY,C1,C2,...",
#           one row per y category, numbers or "-" (missing) in the cells
#   zlabel  what the colour is (default SQNR (dB))
# Rows become the y axis (top to bottom in file order), columns the x axis;
# each cell shows its value.
load common
if (!exists("zlabel")) zlabel = 'SQNR (dB)'
nc = int(system(sprintf("head -n 1 '%s' | awk -F, '{print NF - 1}'", data)))
nr = int(system(sprintf("awk 'END{print NR - 1}' '%s'", data)))
# the table as x,y,z triples (x = column - 2, y = row from the top)
# (missing cells become NaN, so the image's grid stays whole)
cells = sprintf("< awk -F, 'NR > 1 { for (i = 2; i <= NF; i++) print i - 2 \",\" NR - 2 \",\" ($i ~ /^-?[0-9]/ ? $i : \"NaN\") }' '%s'", data)
# cells in words (exact, overflow, NaN: pivot.awk): not coloured, labelled
words = sprintf("< awk -F, 'NR > 1 { for (i = 2; i <= NF; i++) if ($i !~ /^-?[0-9]/ && $i != \"-\") print i - 2 \",\" NR - 2 \",\" $i }' '%s'", data)
nwords = int(system(sprintf("awk -F, 'NR > 1 { for (i = 2; i <= NF; i++) if ($i !~ /^-?[0-9]/ && $i != \"-\") n++ } END { print n + 0 }' '%s'", data)))
stats cells using 3 nooutput
light = STATS_min + 0.6 * (STATS_max - STATS_min)  # black text above, white below
set xrange [-0.5:nc-0.5]
set yrange [nr-0.5:-0.5]
set xtics rotate by -40 left scale 0
set ytics scale 0
set xtics ()
set ytics ()
do for [i=2:nc+1] {
    lab = system(sprintf("head -n 1 '%s' | awk -F, '{print $%d}'", data, i))
    set xtics add (lab i-2)
}
do for [i=2:nr+1] {
    lab = system(sprintf("awk -F, 'NR == %d {print $1}' '%s'", i, data))
    set ytics add (lab i-2)
}
set cblabel zlabel
set palette defined (0 '#440154', 1 '#3b528b', 2 '#21918c', 3 '#5ec962', 4 '#fde725')
set key off
set grid noxtics noytics
set tmargin 3
h = 120 + 26 * nr > h ? 120 + 26 * nr : h
w = 260 + 46 * nc > w ? 260 + 46 * nc : w
do for [T=1:2] {
    eval term(T)
    if (nwords > 0) {
        plot cells using 1:2:3 with image, \
             cells using 1:2:($3 >= light ? sprintf('%.0f', $3) : '') with labels font ',7' tc rgb 'black', \
             cells using 1:2:($3 < light ? sprintf('%.0f', $3) : '') with labels font ',7' tc rgb 'white', \
             words using 1:2:3 with labels font ',7' tc rgb '#c00000'
    } else {
        plot cells using 1:2:3 with image, \
             cells using 1:2:($3 >= light ? sprintf('%.0f', $3) : '') with labels font ',7' tc rgb 'black', \
             cells using 1:2:($3 < light ? sprintf('%.0f', $3) : '') with labels font ',7' tc rgb 'white'
    }
}
set output
