# table.awk: a CSV file as a Markdown or an HTML table.
#   awk -f csv.awk -f table.awk -v out=md|html FILE.csv
# Every row must have the header's field count; a file without rows is an
# error (the report never shows an empty table).
BEGIN { PROG = "table.awk" }
{
    n = csv_split($0, c)
    if (NR == 1) ncol = n
    else if (n != ncol) {
        printf "%s: %s line %d has %d fields, the header %d\n", PROG, FILENAME, NR, n, ncol > "/dev/stderr"
        bad = 1; exit 1
    }
    if (out == "md") {
        line = "|"
        for (i = 1; i <= n; i++) line = line " " md(c[i]) " |"
        print line
        if (NR == 1) {
            line = "|"
            for (i = 1; i <= n; i++) line = line "---|"
            print line
        }
    } else {
        if (NR == 1) print "<thead>"
        tag = NR == 1 ? "th" : "td"
        line = "<tr>"
        for (i = 1; i <= n; i++) {
            cls = (NR > 1 && is_num(c[i])) ? " class=\"n\"" : ""
            line = line "<" tag cls ">" html(c[i]) "</" tag ">"
        }
        print line "</tr>"
        if (NR == 1) print "</thead><tbody>"
    }
}
END {
    if (bad) exit 1
    if (NR < 2) { printf "%s: %s has no rows\n", PROG, FILENAME > "/dev/stderr"; exit 1 }
    if (out != "md") print "</tbody>"
}
