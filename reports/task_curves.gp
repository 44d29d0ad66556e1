# task_curves.gp: a value against epochs, one line per series, with the
# spread over seeds as error bars (scripts/study-task.sh).
#
#   data    pick.awk blocks with lo and hi: x,y,min,max per series
#   xlabel, ylabel
#   logy    1: log axis (base 10)
#   key     where the key goes (default 'outside right top')
load common
if (!exists("xlabel")) xlabel = ''
if (!exists("ylabel")) ylabel = ''
if (!exists("logy")) logy = 0
if (!exists("key")) key = 'outside right top'
n = nblocks(data)
set xlabel xlabel
set ylabel ylabel
eval 'set key ' . key
set xtics 1
if (logy) { set logscale y 10; set format y '%g' }
do for [T=1:2] {
    eval term(T)
    plot for [i=0:n-1] data index i using 1:2:3:4 with yerrorlines title columnheader(1)
}
set output
