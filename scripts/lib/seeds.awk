# seeds.awk: one row per cell of a sweep CSV that ran every synthetic
# source under several generator seeds (the same label, the source text
# differing only in its seed=): the mean of each metric over the seeds, and
# the spread of sqnr_db.
#   awk -f csv.awk -f seeds.awk FILE.csv
# Rows are grouped by label and every input column after source (n, rows,
# cols and the axes); source keeps its first text with seed=K replaced by
# seed=*.  Columns added at the end: seeds (the number of rows averaged),
# sqnr_db_min, sqnr_db_max, sqnr_db_lo95 and sqnr_db_hi95 (mean -+ t x sd /
# sqrt(seeds), Student t at 95%; the mean itself with one seed).  A metric
# that is not a finite number in some seed (sqnr_db -inf when a value
# became Inf or NaN) makes the mean that value; lossless is 1 only when
# every seed was lossless; the fractions are means (so a fraction above 0
# says some seed had such values).
BEGIN { PROG = "seeds.awk"; ng = 0 }
NR == 1 {
    csv_head($0)
    nh = csv_split($0, HD)
    first_metric = col("mse")
    sq = col("sqnr_db"); ll = col("lossless")
    next
}
{
    n = csv_split($0, f)
    if (n != nh) { printf "%s: %s line %d has %d fields, the header %d\n", PROG, FILENAME, NR, n, nh > "/dev/stderr"; BAD = 1; exit 2 }
    key = f[col("label")]
    for (i = col("source") + 1; i < first_metric; i++) key = key SUBSEP f[i]
    if (!(key in gid)) {
        gid[key] = ++ng
        for (i = 1; i < first_metric; i++) IN[ng, i] = f[i]
        src = f[col("source")]; sub(/seed=[0-9]+/, "seed=*", src); IN[ng, col("source")] = src
        mn[ng] = ""; mx[ng] = ""
    }
    g = gid[key]; c = ++cnt[g]
    for (i = first_metric; i <= nh; i++) {
        v = f[i]
        if (v == "inf" || v == "-inf" || v == "nan" || v == "-nan") bad[g, i] = v
        else sum[g, i] += v
    }
    if (ll && f[ll] + 0 != 1) notll[g] = 1
    s = f[sq]
    if (is_num(s)) {
        S[g, c] = s + 0
        if (mn[g] == "" || s + 0 < mn[g]) mn[g] = s + 0
        if (mx[g] == "" || s + 0 > mx[g]) mx[g] = s + 0
    } else nonfinite[g] = s
}
END {
    if (BAD) exit 2
    # two-sided 95% Student t quantiles for 1..30 degrees of freedom
    split("12.706 4.303 3.182 2.776 2.571 2.447 2.365 2.306 2.262 2.228 2.201 2.179 2.160 2.145 2.131 2.120 2.110 2.101 2.093 2.086 2.080 2.074 2.069 2.064 2.060 2.056 2.052 2.048 2.045 2.042", T, " ")
    line = ""
    for (i = 1; i <= nh; i++) line = line (i > 1 ? "," : "") HD[i]
    print line ",seeds,sqnr_db_min,sqnr_db_max,sqnr_db_lo95,sqnr_db_hi95"
    for (g = 1; g <= ng; g++) {
        c = cnt[g]
        line = g - 1
        for (i = 2; i < first_metric; i++) line = line "," csv_field(IN[g, i])
        for (i = first_metric; i <= nh; i++) {
            if ((g, i) in bad) v = bad[g, i]
            else if (i == ll) v = (g in notll) ? 0 : 1
            else v = sprintf("%.17g", sum[g, i] / c)
            line = line "," v
        }
        if (g in nonfinite) {
            line = line "," c "," nonfinite[g] "," nonfinite[g] "," nonfinite[g] "," nonfinite[g]
        } else {
            m = sum[g, sq] / c; ss = 0
            for (k = 1; k <= c; k++) ss += (S[g, k] - m) ^ 2
            hw = c > 1 ? (c - 1 <= 30 ? T[c - 1] : 1.96) * sqrt(ss / (c - 1)) / sqrt(c) : 0
            line = line "," c "," sprintf("%.17g", mn[g]) "," sprintf("%.17g", mx[g]) "," sprintf("%.17g", m - hw) "," sprintf("%.17g", m + hw)
        }
        print line
    }
}
