#!/bin/sh
# lint-report.sh: check a built report (make report runs it at the end,
# make check-report on the small report).
#
# Usage: scripts/lint-report.sh DIR      (default reports/out)
#
# For every section (a directory of DIR holding CSVs) it checks:
#   - every CSV: a header and at least one row, every row with the header's
#     field count (RFC 4180 quoting: a field holding a comma is quoted), so
#     no row is dropped or shifted by CSV parsing;
#   - sweep CSVs (those with the lossless column): every value that is not
#     a finite number (inf, -inf, nan) sits in a row that says why in its
#     own column (overflow_frac or nan_frac above 0); sqnr_db at its cap
#     (999) only with lossless 1; no scale unit of fewer than 8 values
#     (unit_values, granularity other than tensor);
#   - other CSVs (the tables): no cell reading inf or nan at all (the
#     tables write exact, overflow or NaN in words);
#   - every figure's data file (*.dat) holds at least one data line, and
#     every figure of index.html (PNG) exists and is not empty;
#   - every table of index.html has at least one non-empty body cell;
#   - every number quoted by a generated sentence (claims.tsv: CSV, key
#     columns, key, column, value, digits) equals the CSV's value rounded
#     to those digits.
# Prints each failure as "lint-report: SECTION: what" and exits 1 if there
# was any, else prints a one-line summary.

set -u
me=lint-report
here=$(cd "$(dirname "$0")" && pwd)
LIB=$here/lib
dir=${1:-$(dirname "$here")/reports/out}
[ -d "$dir" ] || { echo "$me: $dir: no such directory" >&2; exit 2; }
fails=0
ncsv=0
nclaims=0
ndat=0
fail() {
    echo "$me: $1: $2" >&2
    fails=$((fails + 1))
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lint-report.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
cat >"$tmp/csv.awk" <<'AWK'
NR == 1 {
    nh = csv_split($0, hf); csv_head($0)
    sweep = ("lossless" in H) && ("sqnr_db" in H)
    next
}
{
    rows++
    n = csv_split($0, f)
    if (n != nh) { printf "line %d has %d fields, the header %d\n", NR, n, nh; bad++; next }
    if (sweep) {
        flag = f[H["overflow_frac"]] + f[H["nan_frac"]] > 0
        for (i = 1; i <= n; i++)
            if (tolower(f[i]) ~ /^-?(inf|nan)$/ && !flag) {
                printf "line %d: %s is %s with no overflow or NaN counted\n", NR, hf[i], f[i]; bad++
            }
        if (f[H["sqnr_db"]] == 999 && f[H["lossless"]] != 1) {
            printf "line %d: sqnr_db at its cap without lossless 1\n", NR; bad++
        }
        if (("unit_values" in H) && ("granularity" in H) && f[H["granularity"]] != "tensor" &&
            f[H["unit_values"]] + 0 < 8) {
            printf "line %d: %s scales of %s values each (fewer than 8)\n", NR, f[H["granularity"]], f[H["unit_values"]]; bad++
        }
    } else {
        for (i = 1; i <= n; i++)
            if (tolower(f[i]) ~ /^-?(inf|nan)$/) { printf "line %d: column %s reads %s\n", NR, hf[i], f[i]; bad++ }
    }
    if (bad > 5) exit
}
END {
    if (NR == 0) print "empty file"
    else if (rows == 0) print "a header and no rows"
}
AWK
cat >"$tmp/claim.awk" <<'AWK'
NR == 1 { csv_head($0); nk = split(kc, K, "+"); next }
{
    csv_split($0, f); k = ""
    for (i = 1; i <= nk; i++) k = k (i > 1 ? "|" : "") f[col(K[i])]
    if (k == key) { printf "%." d "f", f[col(c)]; found = 1; exit }
}
END { if (!found) printf "(no row)" }
AWK

for sec in "$dir"/*/; do
    sec=${sec%/}
    name=$(basename "$sec")
    for f in "$sec"/*.csv; do
        [ -e "$f" ] || continue
        ncsv=$((ncsv + 1))
        msg=$(awk -f "$LIB/csv.awk" -f "$tmp/csv.awk" -v PROG="$me" "$f" 2>&1)
        if [ -n "$msg" ]; then
            printf '%s\n' "$msg" | head -n 6 | while IFS= read -r l; do
                echo "$me: $name: $(basename "$f"): $l" >&2
            done
            fails=$((fails + 1))
        fi
    done
    for d in "$sec"/*.dat; do
        [ -e "$d" ] || continue
        ndat=$((ndat + 1))
        grep -q '^[-0-9.]' "$d" || fail "$name" "$(basename "$d"): a figure's data file without data"
    done
    if [ -s "$sec/claims.tsv" ]; then
        while IFS='	' read -r csv keycol key column value digits; do
            nclaims=$((nclaims + 1))
            [ -f "$sec/$csv" ] || { fail "$name" "claim on $csv: no such file"; continue; }
            got=$(awk -f "$LIB/csv.awk" -f "$tmp/claim.awk" -v PROG="$me" -v kc="$keycol" -v key="$key" -v c="$column" \
                -v d="$digits" "$sec/$csv")
            [ "$got" = "$value" ] ||
                fail "$name" "a sentence quotes $column = $value for $keycol = $key, $csv has $got"
        done <"$sec/claims.tsv"
    fi
done

page=$dir/index.html
if [ -f "$page" ]; then
    for img in $(grep -o '<img src="[^"]*"' "$page" | sed 's/<img src="//; s/"$//'); do
        [ -s "$dir/$img" ] || fail "${img%%/*}" "figure $img is missing or empty"
    done
    awk -v me="$me" '
/<h2 id="/ { s = $0; sub(/.*<h2 id="/, "", s); sub(/".*/, "", s); sec = s }
/<table>/ { intab = 1; cells = 0; cap = "" }
intab && /<caption>/ { cap = $0; gsub(/<[^>]*>/, "", cap); cap = substr(cap, 1, 60) }
intab { t = $0; while (match(t, /<td[^>]*>[^<]+<\/td>/)) { cells++; t = substr(t, RSTART + RLENGTH) } }
/<\/table>/ { intab = 0; if (cells == 0) { printf "%s: %s: an empty table (%s)\n", me, sec, cap > "/dev/stderr"; bad++ } }
END { exit bad > 0 }' "$page" || fails=$((fails + 1))
else
    fail "report" "no index.html in $dir"
fi

if [ "$fails" -gt 0 ]; then
    echo "$me: FAILED: $fails problem(s) in $dir (above, each with its section)" >&2
    exit 1
fi
echo "$me: $dir: $ncsv CSVs, $ndat figure data files and $nclaims generated claims checked; no problem"
