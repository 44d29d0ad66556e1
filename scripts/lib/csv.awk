# csv.awk: functions shared by the report's awk programs (awk -f csv.awk
# -f PROGRAM.awk).  POSIX awk (mawk, gawk, busybox).
#
#   csv_split(line, f)   split an RFC 4180 line into f[1..n] (quotes
#                        removed, "" unescaped); returns n
#   csv_head(line)       read a header: H[name] = column index, HN = count
#   csv_field(s)         s quoted for CSV when it holds , " or edge spaces
#   html(s), md(s)       escaped for HTML / a Markdown table cell
#   cond_ok(f, w)        does row f satisfy the conditions w ("k=v;k!=v;
#                        k~re;k<n;k>n", each on a column name)
#   round_to(x, d)       x with d decimals, "-" for non-numbers
#
# It also skips the lines that start with "#" (the plan line that follows
# the header of every fpq sweep CSV), before the program's own rules see
# them; NR still counts them, the header stays NR == 1.

/^#/ { next }

function csv_split(line, f,    n, i, c, s, q, len) {
    sub(/\r$/, "", line)
    n = 0; s = ""; q = 0; len = length(line)
    for (i = 1; i <= len; i++) {
        c = substr(line, i, 1)
        if (q) {
            if (c != "\"") s = s c
            else if (substr(line, i + 1, 1) == "\"") { s = s c; i++ }
            else q = 0
        } else if (c == "\"") q = 1
        else if (c == ",") { f[++n] = s; s = "" }
        else s = s c
    }
    f[++n] = s
    return n
}

function csv_head(line,    i, hf) {
    HN = csv_split(line, hf)
    for (i = 1; i <= HN; i++) { H[hf[i]] = i; HNAME[i] = hf[i] }
    return HN
}

# The column index of a name; a missing column is a fatal error.
function col(name) {
    if (!(name in H)) {
        printf "%s: no column '%s' in %s\n", PROG, name, FILENAME > "/dev/stderr"
        BAD = 1
        exit 2
    }
    return H[name]
}

function csv_field(s) {
    if (s ~ /[,"]/ || s ~ /^ / || s ~ / $/) { gsub(/"/, "\"\"", s); return "\"" s "\"" }
    return s
}

function html(s) {
    gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); gsub(/"/, "\\&quot;", s)
    return s
}

function md(s) { gsub(/\|/, "\\|", s); return s }

function cond_ok(f, w,    nc, c, i, k, v, op, p, x) {
    if (w == "") return 1
    nc = split(w, c, ";")
    for (i = 1; i <= nc; i++) {
        if (c[i] == "") continue
        if (match(c[i], /!=|=|~|<|>/) == 0) {
            printf "%s: bad condition '%s'\n", PROG, c[i] > "/dev/stderr"; BAD = 1; exit 2
        }
        k = substr(c[i], 1, RSTART - 1); op = substr(c[i], RSTART, RLENGTH)
        v = substr(c[i], RSTART + RLENGTH)
        x = f[col(k)]
        if (op == "=" && x != v) return 0
        if (op == "!=" && x == v) return 0
        if (op == "~" && x !~ v) return 0
        if (op == "<" && !(x + 0 < v + 0)) return 0
        if (op == ">" && !(x + 0 > v + 0)) return 0
    }
    return 1
}

function is_num(s) {
    return s ~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/
}

function round_to(x, d) {
    if (!is_num(x)) return x == "inf" ? "inf" : (x == "-inf" ? "-inf" : (x == "" ? "-" : x))
    return sprintf("%." d "f", x)
}

# Collect a point (x, y) of series k, in order of first appearance; then
# series_print() writes the gnuplot data blocks: a line with the series
# name in double quotes, then "x,y" lines, blocks separated by two empty
# lines.
function series_add(k, x, y) {
    if (!(k in SER_seen)) { SER_seen[k] = 1; SER_K[++SER_nk] = k }
    SER_n[k]++; SER_X[k, SER_n[k]] = x; SER_Y[k, SER_n[k]] = y
}

function series_print(    i, j, k) {
    for (i = 1; i <= SER_nk; i++) {
        k = SER_K[i]
        if (i > 1) printf "\n\n"
        printf "\"%s\"\n", k
        for (j = 1; j <= SER_n[k]; j++) printf "%s,%s\n", SER_X[k, j], SER_Y[k, j]
    }
}
