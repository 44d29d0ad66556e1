# pivot.awk: a table of one value per (row key, column key) from a sweep
# CSV: header "ROWNAME,C1,C2,...", one line per row key, in order of first
# appearance; the mean when several rows share a cell; "-" when none.
# The error vocabulary of the sweep CSVs is kept in words: a cell whose
# rows were all lossless (sqnr_db at its cap) reads "exact"; one whose
# value is not finite because values became Inf or NaN reads "overflow"
# or "NaN" (never inf or nan).  Keys that are numbers are written as
# numbers (10, not 1e+01).
#   awk -f csv.awk -f pivot.awk -v where=... -v rows=COL[,COL] -v cols=COL[,COL]
#       -v val=COL [-v digits=2] [-v rowname=NAME] FILE.csv
BEGIN { PROG = "pivot.awk"; if (digits == "") digits = 2 }
NR == 1 { csv_head($0); nr = split(rows, rc, ","); nc = split(cols, cc, ","); next }
{
    csv_split($0, f)
    if (!cond_ok(f, where)) next
    v = f[col(val)]
    r = ""; for (i = 1; i <= nr; i++) r = r (i > 1 ? " " : "") numkey(f[col(rc[i])])
    c = ""; for (i = 1; i <= nc; i++) c = c (i > 1 ? " " : "") numkey(f[col(cc[i])])
    word = ""
    if ((val == "sqnr_db" || val ~ /^sqnr_db_/) && has("lossless") && f[col("lossless")] == 1) word = "exact"
    else if (!is_num(v)) {
        if (has("nan_frac") && f[col("nan_frac")] + 0 > 0) word = "NaN"
        else if (has("overflow_frac") && f[col("overflow_frac")] + 0 > 0) word = "overflow"
        else next
    }
    if (!(r in ri)) { ri[r] = ++NRK; rk[NRK] = r }
    if (!(c in ci)) { ci[c] = ++NCK; ck[NCK] = c }
    if (word != "") W[r, c] = word
    else { sum[r, c] += v; cnt[r, c]++ }
}
END {
    if (BAD) exit 2
    if (NRK == 0) { printf "%s: no rows match '%s' in %s\n", PROG, where, FILENAME > "/dev/stderr"; exit 1 }
    line = csv_field(rowname != "" ? rowname : rows)
    for (j = 1; j <= NCK; j++) line = line "," csv_field(ck[j])
    print line
    for (i = 1; i <= NRK; i++) {
        line = csv_field(rk[i])
        for (j = 1; j <= NCK; j++) {
            k = rk[i] SUBSEP ck[j]
            if (k in W) line = line "," W[k]
            else if (k in cnt) line = line "," sprintf("%." digits "f", sum[k] / cnt[k])
            else line = line ",-"
        }
        print line
    }
}

function has(name) { return name in H }
function numkey(s) { return (s ~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/) ? sprintf("%.15g", s + 0) : s }
