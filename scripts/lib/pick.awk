# pick.awk: series for a gnuplot template out of a sweep CSV.
#
#   awk -f csv.awk -f pick.awk -v where='format=int8;granularity=group' \
#       -v series='format,scale_format' -v x=group -v y=sqnr_db [-v label=COL] \
#       [-v sep=' '] [-v nosort=1] [-v lo=COL -v hi=COL] FILE.csv
#
# Writes one gnuplot data block per distinct series value (in order of first
# appearance): a line with the series name in double quotes (read by
# `title columnheader(1)`), then "x,y[,label]" lines sorted by x (unless
# nosort), blocks separated by two empty lines.  Series names join the
# series columns' values with sep (default ' '); no series: one block
# named by -v name.  With lo and hi (the seed spread of seeds.awk:
# sqnr_db_min, sqnr_db_max) the lines are "x,y,lo,hi[,label]", for error
# bars.  Rows whose x or y is not a finite number are skipped.
BEGIN { PROG = "pick.awk"; if (sep == "") sep = " "; ns = 0 }
NR == 1 { csv_head($0); nser = split(series, sc, ","); next }
{
    csv_split($0, f)
    if (!cond_ok(f, where)) next
    xv = f[col(x)]; yv = f[col(y)]
    if (!is_num(xv) || !is_num(yv)) next
    s = ""
    for (i = 1; i <= nser; i++) s = s (i > 1 ? sep : "") f[col(sc[i])]
    if (nser == 0) s = name
    if (!(s in sid)) { sid[s] = ++ns; sname[ns] = s; cnt[ns] = 0 }
    k = sid[s]; m = ++cnt[k]
    X[k, m] = xv + 0; Y[k, m] = yv
    if (lo != "") { LO[k, m] = f[col(lo)]; HI[k, m] = f[col(hi)] }
    L[k, m] = label != "" ? f[col(label)] : ""
}
END {
    if (BAD) exit 2
    for (k = 1; k <= ns; k++) {
        n = cnt[k]
        for (i = 1; i <= n; i++) ord[i] = i
        if (!nosort)
            for (i = 2; i <= n; i++) {
                t = ord[i]
                for (j = i - 1; j >= 1 && X[k, ord[j]] > X[k, t]; j--) ord[j + 1] = ord[j]
                ord[j + 1] = t
            }
        if (merge != "" && label != "")
            for (i = 1; i <= n; i++) {
                a = ord[i]
                if (L[k, a] == "") continue
                for (j = i + 1; j <= n; j++) {
                    b = ord[j]
                    if (X[k, b] != X[k, a]) continue
                    dy = Y[k, b] - Y[k, a]
                    if (L[k, b] != "" && dy <= merge + 0 && -dy <= merge + 0) {
                        L[k, a] = L[k, a] ", " L[k, b]
                        L[k, b] = ""
                    }
                }
            }
        if (k > 1) printf "\n\n"
        nm = sname[k]; gsub(/"/, "'", nm)
        printf "\"%s\"\n", nm
        for (i = 1; i <= n; i++) {
            r = ord[i]
            printf "%.17g,%s", X[k, r], Y[k, r]
            if (lo != "") printf ",%s,%s", LO[k, r], HI[k, r]
            if (label != "") { lb = L[k, r]; gsub(/"/, "'", lb); printf ",\"%s\"", lb }
            printf "\n"
        }
    }
    if (ns == 0) {
        printf "%s: no rows match '%s' in %s\n", PROG, where, FILENAME > "/dev/stderr"
        exit 1
    }
}
