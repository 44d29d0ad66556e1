#!/bin/sh
# check-layers.sh: the architecture of doc/DESIGN.md, checked on the built
# objects and the sources.
#
# Usage: tests/check-layers.sh BUILD_DIR
#
# From the symbols of every object under BUILD_DIR/obj (nm -P), each file's
# calls and references to functions and data defined in another file give a
# graph of source files.  Checked:
#   1. the layers: a file may use files of its own layer and the layers
#      below it only (formats < formats/cli, analysis < analysis/cli, and
#      formats < analysis);
#   2. no circles: no two files use each other, directly or through others;
#   3. includes: no source file includes a header of a layer above its own;
#   4. size: no source file outside tests/ over 1,000 lines;
#   5. declarations: a function declared in a header is defined in that
#      header's folder.
# Prints one line per problem and a closing "N passed, N failed" line; exit
# status 1 when anything failed.
set -u

build=${1:?usage: tests/check-layers.sh BUILD_DIR}
obj=$build/obj
if test ! -d "$obj/formats"; then
    echo "check-layers: $obj has no objects; build first" >&2
    exit 2
fi

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

# symbols: FILE DEF|USE SYMBOL, for the product code (not the tests).
for o in $(find "$obj/formats" "$obj/analysis" -name '*.o' | sort); do
    src=${o#"$obj"/}
    src=${src%.o}.c
    test -f "$src" || continue # a stale object of a removed source
    nm -P "$o" | awk -v f="$src" '
        $2 == "U" { print f, "USE", $1; next }
        $2 ~ /^[TDBRCGSV]$/ { print f, "DEF", $1 }'
done >"$tmp/syms"

# The layer of a file and whether layer a may use layer b.
awk '
$2 == "DEF" { def[$3] = $1 }
$2 == "USE" { n++; uf[n] = $1; us[n] = $3 }
END {
    for (i = 1; i <= n; i++) {
        d = def[us[i]]
        if (d == "" || d == uf[i]) continue
        e = uf[i] " " d
        if (e in seen) continue
        seen[e] = us[i]
        print uf[i], d, us[i]
    }
}' "$tmp/syms" | sort >"$tmp/edges"

pass=0
fail=0
problem() { echo "check-layers: $*"; fail=$((fail + 1)); }

# 1. Layers.
bad=$(awk '
function layer(f) {
    if (f ~ /^formats\/cli\//) return "formats/cli"
    if (f ~ /^formats\//) return "formats"
    if (f ~ /^analysis\/cli\//) return "analysis/cli"
    return "analysis"
}
function allowed(a, b) {
    return a == b || b == "formats" || a == "analysis/cli"
}
!allowed(layer($1), layer($2)) { print $1 " uses " $3 " of " $2 " (layer " layer($2) " is not below " layer($1) ")" }
' "$tmp/edges")
if test -n "$bad"; then
    echo "$bad" | while IFS= read -r l; do echo "check-layers: $l"; done
    fail=$((fail + $(echo "$bad" | wc -l)))
else
    pass=$((pass + 1))
fi

# 2. Circles: a file that reaches itself through the graph.
cyc=$(awk '
{ adj[$1] = adj[$1] " " $2; node[$1]; node[$2]; sym[$1 " " $2] = $3 }
function reach(from, to,    stack, top, seenr, cur, k, m, nb) {
    top = 0
    split("", seenr)
    stack[++top] = from
    while (top > 0) {
        cur = stack[top--]
        if (cur == to) return 1
        if (cur in seenr) continue
        seenr[cur]
        m = split(adj[cur], nb, " ")
        for (k = 1; k <= m; k++) if (!(nb[k] in seenr)) stack[++top] = nb[k]
    }
    return 0
}
END {
    for (a in adj) {
        m = split(adj[a], nbs, " ")
        for (k = 1; k <= m; k++)
            if (reach(nbs[k], a)) print a " -> " nbs[k] " (" sym[a " " nbs[k]] ") and back"
    }
}' "$tmp/edges" | sort -u)
if test -n "$cyc"; then
    echo "$cyc" | while IFS= read -r l; do echo "check-layers: circle: $l"; done
    fail=$((fail + $(echo "$cyc" | wc -l)))
else
    pass=$((pass + 1))
fi

# 3. Includes: formats/ sees only its own headers; formats/cli/ adds its
# own; analysis/ (not cli) never includes the command's headers.
inc=$(
    grep -n '^#include "' formats/*.c formats/*.h 2>/dev/null |
        grep -v -E '"(fpq|fpq-impl|arith-impl|fast-impl|[a-z-]*-impl)\.h"' |
        sed 's/^/formats includes a header from above: /'
    grep -n '^#include "' formats/cli/*.c formats/cli/*.h 2>/dev/null |
        grep -v -E '"(fpq|cli|opt|[a-z_-]*)\.h"' |
        sed 's/^/formats\/cli includes: /'
    for f in formats/cli/*.c formats/cli/*.h; do
        grep -n '^#include "' "$f" | sed 's/.*"\(.*\)".*/\1/' | while read -r h; do
            test -f "formats/cli/$h" || test -f "formats/$h" ||
                echo "$f includes $h, which is not in formats/ or formats/cli/"
        done
    done
    grep -ln '^#include "\(cli\|opt\)\.h"' analysis/*.h analysis/*/*.c analysis/*/*.h 2>/dev/null |
        grep -v '^analysis/cli/' | sed 's/$/ (the lab library) includes the command'"'"'s headers/'
)
if test -n "$inc"; then
    echo "$inc" | while IFS= read -r l; do echo "check-layers: $l"; done
    fail=$((fail + $(echo "$inc" | wc -l)))
else
    pass=$((pass + 1))
fi

# 5. Declarations: a function declared in a header is defined in that
# header's folder (analysis/*.h: in analysis/'s concern folders), so every
# declaration sits in the header of the file or folder that defines it.
cat >"$tmp/decl.awk" <<'AWK'
BEGIN { while ((getline l < syms) > 0) { split(l, w, " "); if (w[2] == "DEF") def[w[3]] = w[1] } }
{
    h = $1; f = $2
    if (!(f in def)) next # static inline, a macro, or not built
    d = h; sub(/[^\/]*$/, "", d)
    if (h ~ /^analysis\/[^\/]*\.h$/) ok = def[f] ~ /^analysis\/(core|gen|io|quant|sweep|train)\//
    else ok = index(def[f], d) == 1 && substr(def[f], length(d) + 1) !~ /\//
    if (!ok) print h " declares " f ", defined in " def[f]
}
AWK
for h in formats/*.h formats/cli/*.h analysis/*.h analysis/*/*.h; do
    sed -n 's/^[A-Za-z_][A-Za-z0-9_ *]*[ *]\([a-z][a-z0-9_]*\)(.*/\1/p' "$h" | sed "s|^|$h |"
done >"$tmp/decls"
decl=$(awk -v syms="$tmp/syms" -f "$tmp/decl.awk" "$tmp/decls")
if test -n "$decl"; then
    echo "$decl" | while IFS= read -r l; do echo "check-layers: $l"; done
    fail=$((fail + $(echo "$decl" | wc -l)))
else
    pass=$((pass + 1))
fi

# 4. Size: no source file of the product over 1,000 lines (one concept a
# file; a larger one is doing several jobs).
big=$(wc -l formats/*.[ch] formats/cli/*.[ch] analysis/*.h analysis/*/*.[ch] |
    awk '$2 != "total" && $1 > 1000 { print $2 " has " $1 " lines (at most 1000)" }')
if test -n "$big"; then
    echo "$big" | while IFS= read -r l; do echo "check-layers: $l"; done
    fail=$((fail + $(echo "$big" | wc -l)))
else
    pass=$((pass + 1))
fi

echo "$pass passed, $fail failed"
test "$fail" -eq 0
