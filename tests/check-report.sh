#!/bin/sh
# check-report.sh [FPQ] [DIR]: the report, tested in a real browser
# (make check-report), and the sweep tools around it.
#
# 1. Builds a small report (scripts/report.sh --small) into DIR/out
#    (default build/check-report/out; reports/out, the real report, is not
#    touched).
# 2. Loads DIR/out/index.html from the file system in headless Chromium,
#    driven through chromedriver's WebDriver HTTP API with curl on
#    localhost: every <img> must have decoded (complete, naturalWidth > 0),
#    there must be figures and tables, and no table may be empty (no body
#    cell with text); saves DIR/screenshot.png (the first screen) and
#    DIR/screenshot-full.png (the whole page).
# 2b. scripts/lint-report.sh passes on the small report, and fails, naming
#    the section, on copies broken in each way it guards against: a row
#    with an extra field (an unquoted comma), an unflagged inf SQNR, a
#    table cell reading inf, a generated claim that disagrees with its CSV,
#    a figure's data file without data, a per-channel scale over one value
#    (and a claim of the dynamic-range and of the range section);
#    the studies show seed spread, the range study's drift rows, overflow
#    named in the loss-scale table, no claim of equality on symmetric data;
#    and the report's numbers say what fpq quant says for the same cell;
#    the sections state what each method costs in bits per value (LLM.int8
#    above 8), the tensors' shapes, which formats give identical results,
#    why MXFP8 is below fp8_e4m3 (its clipped fraction, from the CSV), and
#    stay readable (fp64's max_finite short, no header in exponent
#    notation, figure keys in words), and fail on copies broken in each of
#    these ways.
# 3. GNU parallel: scripts/parallel-sweep.sh with two local jobs must give
#    the same merged CSV, byte for byte, as one fpq sweep.
# 4. fpq sweep interrupted by SIGINT leaves whole rows, says how to go on,
#    and --resume finishes the file identical to an uninterrupted run.
#
# Needs the Debian packages chromium, chromium-driver, parallel, curl and
# gnuplot: as root they are installed when missing; otherwise the apt-get
# line is printed and the check stops.

set -eu
me=check-report
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
fpq=${1:-$root/build/fpq}
dir=${2:-$root/build/check-report}
[ -x "$fpq" ] || { echo "$me: $fpq: not an executable (make)" >&2; exit 1; }
fpq=$(cd "$(dirname "$fpq")" && pwd)/$(basename "$fpq")
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# --- packages ---------------------------------------------------------------
missing=
for p in chromium chromium-driver parallel curl gnuplot-nox; do
    s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) || s=
    if [ "$p" = gnuplot-nox ] && command -v gnuplot >/dev/null 2>&1; then continue; fi
    [ "$s" = "install ok installed" ] || missing="$missing $p"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" -eq 0 ]; then
        echo "$me: installing$missing" >&2
        apt-get update >/dev/null
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing >/dev/null
    else
        echo "$me: missing Debian packages:$missing; install them with:" >&2
        echo "sudo apt-get install -y$missing" >&2
        exit 1
    fi
fi

fail() {
    echo "$me: FAIL: $*" >&2
    exit 1
}

# --- 1. a small report --------------------------------------------------------
# (DIR/out from before reports carried their marker is this check's own: removed)
if [ -d "$dir/out" ] && [ ! -f "$dir/out/.fpq-report" ]; then
    rm -rf "$dir/out"
fi
t0=$(date +%s)
sh "$root/scripts/report.sh" --small --fpq "$fpq" --out "$dir/out" || fail "scripts/report.sh --small failed"
echo "$me: small report built in $(( $(date +%s) - t0 )) s"
[ -s "$dir/out/index.html" ] && [ -s "$dir/out/REPORT.md" ] || fail "no index.html or REPORT.md"
[ -f "$dir/out/.fpq-report" ] || fail "no .fpq-report marker in $dir/out"

# --- 2b. the linter ------------------------------------------------------------
sh "$root/scripts/lint-report.sh" "$dir/out" || fail "scripts/lint-report.sh fails on the small report"
lint_must_fail() { # WHAT SECTION: the broken copy in $dir/lint must fail, naming SECTION
    if sh "$root/scripts/lint-report.sh" "$dir/lint" 2>"$dir/lint.err"; then
        fail "the linter passed a report with $1"
    fi
    grep -q "lint-report: $2: " "$dir/lint.err" || fail "the linter did not name section $2 for $1: $(cat "$dir/lint.err")"
}
fresh_copy() { rm -rf "$dir/lint"; cp -r "$dir/out" "$dir/lint"; }
fresh_copy
z=$dir/lint/zeropoint/zeropoint.csv
sed -i '2s/^\([^,]*\),/\1,extra,/' "$z"
lint_must_fail "a row of one field too many" zeropoint
fresh_copy
awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "sqnr_db") c = i } NR == 2 { $c = "inf" } { print }' "$z" >"$z.new"
mv "$z.new" "$z"
lint_must_fail "an unflagged inf SQNR" zeropoint
fresh_copy
sed -i '2s/,[0-9.]*$/,inf/' "$dir/lint/zeropoint/table.csv"
lint_must_fail "a table cell reading inf" zeropoint
fresh_copy
awk -F'\t' -v OFS='\t' 'NR == 1 { $5 = $5 + 1 } { print }' "$dir/lint/zeropoint/claims.tsv" >"$dir/lint/c.tsv"
mv "$dir/lint/c.tsv" "$dir/lint/zeropoint/claims.tsv"
lint_must_fail "a claim that disagrees with its CSV" zeropoint
# the comparison sentences of the dynamic-range and range sections are
# recorded claims too: each section has them, and the linter re-checks them
for sec in dynamic-range range; do
    [ -s "$dir/out/$sec/claims.tsv" ] || fail "the $sec section records no claims (claims.tsv)"
    fresh_copy
    awk -F'\t' -v OFS='\t' 'NR == 1 { $5 = $5 + 1 } { print }' "$dir/lint/$sec/claims.tsv" >"$dir/lint/c.tsv"
    mv "$dir/lint/c.tsv" "$dir/lint/$sec/claims.tsv"
    lint_must_fail "a $sec claim that disagrees with its CSV" "$sec"
done
fresh_copy
d=$(ls "$dir"/lint/formats/*.dat | head -n 1)
printf '"empty"\n' >"$d"
lint_must_fail "a figure's data file without data" formats
fresh_copy
g=$dir/lint/formats/formats.csv
# (split on every comma, so a quoted source shifts the fields: the columns
# are found from the end of the row, where no field holds a comma; joining
# on commas again gives the row back unchanged)
awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "unit_values") u = NF - i; if ($i == "granularity") gc = NF - i } }
    NR > 1 && $(NF - gc) == "col" && !done { $(NF - u) = 1; done = 1 } { print }' "$g" >"$g.new"
mv "$g.new" "$g"
lint_must_fail "per-channel scales of one value" formats
rm -rf "$dir/lint" "$dir/lint.err"
echo "$me: lint-report passes the small report and fails each of 8 broken copies, naming the section"

# What the studies must show: seed spread, the drift rows, no best loss
# scale where values overflow, per-channel audio scales per audio channel
o=$dir/out
head -n 1 "$o/formats/formats.csv" | grep -q ',seeds,sqnr_db_min,sqnr_db_max,' || fail "formats.csv has no seed spread"
# synthetic rows (their source reads seed=*): seeds is the fifth field from the end
grep 'seed=\*' "$o/formats/formats.csv" | awk -F, '$(NF - 4) < 2 { bad = 1 } END { exit bad || NR == 0 }' ||
    fail "a synthetic formats cell ran under fewer than 2 seeds"
head -n 1 "$o/range/static.csv" | grep -q 'drifted static' || fail "the range study lost its drift rows"
grep -q 'first scale with Inf/NaN' "$o/dynamic-range/table.csv" || fail "the loss-scale table does not name overflow"
grep -q 'On symmetric data the two are equal' "$o/index.html" && fail "the zero-point section claims equality"
echo "$me: the studies show seed spread, drift rows and overflow by name"

# What the sections must state (content DIR: the first missing thing on
# stderr, status 1): the cost of LLM.int8's fp16 dimensions, tensor shapes,
# identical rows named, why MXFP8 is below fp8_e4m3, readable tables and keys
row_of() { # CSV FIRST: the line of CSV whose first field is FIRST (unquoted)
    awk -F, -v k="$2" '$1 == k { print; exit }' "$1"
}
same_as() { # FORMAT OTHER: per_format.csv's FORMAT row names OTHER in its last column
    row_of "$c/formats/per_format.csv" "$1" |
        awk -F, -v k="$2" '{ n = split($NF, w, " "); for (i = 1; i <= n; i++) if (w[i] == k) ok = 1 } END { exit !ok }'
}
content() {
    c=$1
    # LLM.int8's fp16 dimensions cost bits: every method has a bits-per-value
    # row, and T=3's is above 8 at every magnitude
    cut -d, -f1 "$c/matmul/table.csv" | sort >"$dir/m1"
    cut -d, -f1 "$c/matmul/bits.csv" | sort >"$dir/m2"
    cmp -s "$dir/m1" "$dir/m2" || { echo "matmul: bits.csv does not have a row for each method of table.csv" >&2; return 1; }
    row_of "$c/matmul/bits.csv" "LLM.int8 T=3" | awk -F, '{ for (i = 2; i <= NF; i++) if ($i + 0 <= 8) bad = 1 } END { exit bad || NR == 0 }' ||
        { echo "matmul: LLM.int8 T=3 does not cost more than 8 bits per value of X" >&2; return 1; }
    grep -q '	LLM.int8 T=3|64|dynamic	bits_per_value_x	' "$c/matmul/claims.tsv" ||
        { echo "matmul: no sentence quotes LLM.int8 T=3's bits per value of X" >&2; return 1; }
    if [ -f "$c/matmul/real-bars.csv" ]; then
        awk -F, 'NR > 1 && $0 !~ /b\/value of X/ { bad = 1 } END { exit bad }' "$c/matmul/real-bars.csv" ||
            { echo "matmul: a real-operand bar without its bits per value of X" >&2; return 1; }
        grep '^"\{0,1\}LLM.int8 T=3 (' "$c/matmul/real-bars.csv" | sed 's/^[^(]*(\([0-9.]*\).*/\1/' |
            awk '{ v = $1 } END { exit !(NR == 1 && v > 8) }' ||
            { echo "matmul: real operands: LLM.int8 T=3 not shown above 8 bits per value of X" >&2; return 1; }
    else
        echo "$me: matmul: no real operands in this report (they need data/): their bits-per-value labels not checked"
    fi
    # tensor shapes beside the results
    grep -q 'Every synthetic distribution is a tensor of [0-9]* x [0-9]* ([0-9]* values)' "$c/index.html" ||
        { echo "formats: the section does not state the tensors' shape" >&2; return 1; }
    grep -q 'Student-t (nu = 4), [0-9]* x [0-9]* ([0-9]* values)' "$c/index.html" ||
        { echo "granularity: the section does not state the tensor's shape" >&2; return 1; }
    # identical rows named: e1m2 = int4 by construction, fnuz e5m2 = OCP e5m2 on these data
    { same_as fp4_e1m2 int4 && same_as int4 fp4_e1m2 && same_as fp8_e5m2fnuz fp8_e5m2 && same_as fp8_e5m2 fp8_e5m2fnuz; } ||
        { echo "formats: per_format.csv does not name identical rows (fp4_e1m2 = int4, fp8_e5m2fnuz = fp8_e5m2)" >&2; return 1; }
    # why MXFP8 is below fp8_e4m3 in e8m0 groups of 32, with the clipped fraction of the CSV
    echo 'NR == 1 { csv_head($0); next }
{ csv_split($0, f); if (f[col("label")] == "student-t4" && f[col("scheme")] == "mx" && f[col("format")] == "fp8_e4m3") { printf "%.4f", f[col("clipped_frac")]; exit } }' >"$dir/mx.awk"
    mxc=$(awk -f "$root/scripts/lib/csv.awk" -f "$dir/mx.awk" -v PROG=$me "$c/granularity/granularity.csv")
    [ -n "$mxc" ] || { echo "granularity: no MXFP8 row in granularity.csv" >&2; return 1; }
    grep -q "MXFP8 and fp8_e4m3 in groups of 32 with an e8m0 scale store the same bits; MXFP8 is [^<]*OCP MX rule[^<]*clips the block's largest values (clipped_frac $mxc)" "$c/index.html" ||
        { echo "granularity: no sentence explains MXFP8 against fp8_e4m3 with its clipped_frac $mxc" >&2; return 1; }
    # standards: the fnuz equivalences hold in every cell, said from the data
    grep -q "binary8p4sf against fp8_e4m3fnuz and binary8p3sf against fp8_e5m2fnuz: the SQNR is the same number in \([0-9]*\)/\1 of" "$c/index.html" ||
        { echo "standards: no sentence finds binary8p4sf = fp8_e4m3fnuz and binary8p3sf = fp8_e5m2fnuz in every cell" >&2; return 1; }
    # readable: fp64's max_finite short, no header like 1e+01, keys in words
    mf=$(row_of "$c/reference/formats.csv" fp64 | awk -F, '{ print $NF }')
    [ -n "$mf" ] && [ ${#mf} -le 16 ] || { echo "reference: fp64's max_finite has ${#mf} characters (more than 16)" >&2; return 1; }
    for f in "$c"/*/*.csv; do
        h=$(head -n 1 "$f")
        case $h in *lossless*) continue ;; esac
        printf '%s\n' "$h" | tr , '\n' | grep -Eq '^-?[0-9.]+[eE][-+]?[0-9]+$' &&
            { echo "$(basename "$(dirname "$f")"): $(basename "$f"): a column header in exponent notation: $h" >&2; return 1; }
    done
    grep -o '<th>[^<]*</th>' "$c/index.html" | grep -Eq '<th>-?[0-9.]+[eE][-+]?[0-9]+</th>' &&
        { echo "report: a table header in exponent notation" >&2; return 1; }
    for f in "$c"/formats/sqnr_*.dat; do
        grep '^"' "$f" | grep -q 'per channel' || { echo "formats: $(basename "$f"): no key reads 'per channel'" >&2; return 1; }
        grep '^"' "$f" | grep -Eqw 'col|row' && { echo "formats: $(basename "$f"): a key reads col or row" >&2; return 1; }
    done
    return 0
}
content "$dir/out" || fail "the small report lacks what its sections must state (above)"
content_must_fail() { # WHAT: the broken copy in $dir/lint must fail content
    content "$dir/lint" 2>"$dir/lint.err" >/dev/null && fail "content passed a report with $1"
    echo "$me:   broken: $1: $(cat "$dir/lint.err")"
}
fresh_copy
sed -i '/^LLM.int8 T=3,/s/,[0-9.]*/,8.000/g' "$dir/lint/matmul/bits.csv"
content_must_fail "LLM.int8 T=3 at 8 bits per value"
fresh_copy
sed -i '/^LLM.int8 T=6,/d' "$dir/lint/matmul/bits.csv"
content_must_fail "a method without its bits per value"
fresh_copy
sed -i 's/is a tensor of [0-9]* x [0-9]* ([0-9]* values)/is a tensor/' "$dir/lint/index.html"
content_must_fail "the formats tensors' shape left out"
fresh_copy
sed -i 's/Student-t (nu = 4), [0-9]* x [0-9]* ([0-9]* values)/Student-t (nu = 4)/' "$dir/lint/index.html"
content_must_fail "the granularity tensor's shape left out"
fresh_copy
sed -i '/^int4,/s/,[^,]*$/,-/' "$dir/lint/formats/per_format.csv"
content_must_fail "int4 not flagged as identical to fp4_e1m2"
fresh_copy
sed -i '/^fp8_e5m2fnuz,/s/,[^,]*$/,-/' "$dir/lint/formats/per_format.csv"
content_must_fail "fp8_e5m2fnuz not flagged as identical to fp8_e5m2"
fresh_copy
sed -i "s/clips the block's largest values (clipped_frac [0-9.]*)/clips the block's largest values (clipped_frac 0.5)/" "$dir/lint/index.html"
content_must_fail "the MX sentence quoting another clipped fraction"
fresh_copy
sed -i '/^fp64,/s/,[^,]*$/,179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368/' "$dir/lint/reference/formats.csv"
content_must_fail "fp64's max_finite in 309 digits"
fresh_copy
sed -i '1s/,16,/,1.6e+01,/' "$dir/lint/matmul/table.csv"
content_must_fail "a column header 1.6e+01"
fresh_copy
sed -i 's/^"one scale per channel (column)"/"col"/' "$dir/lint/formats/sqnr_normal.dat"
content_must_fail "a figure key reading col"
fresh_copy
sed -i 's/^"one scale per channel (column)"/"one scale per channel (col)"/' "$dir/lint/formats/sqnr_normal.dat"
content_must_fail "a figure key naming col"
rm -rf "$dir/lint" "$dir/lint.err" "$dir/m1" "$dir/m2" "$dir/mx.awk"
echo "$me: the sections state bits per value, shapes, identical rows, the MX clipping, readable headers and keys"

# The report's numbers are fpq quant's: int4 per tensor on normal data of the
# zero-point study, seed 1, from the raw CSV and from fpq quant itself
src=$(awk -F'"' 'NR > 1 && /,normal,/ && /seed=1,/ { print $2; exit }' "$dir/out/zeropoint/zeropoint-seeds.csv")
[ -n "$src" ] || fail "no normal seed-1 source in zeropoint-seeds.csv"
want=$("$fpq" quant -f int4 --json "$src" | sed -n 's/.*"sqnr_db": \([^,]*\),.*/\1/p')
cat >"$dir/pick.awk" <<'AWK'
NR == 1 { csv_head($0); next }
{
    csv_split($0, f)
    if (f[col("source")] == src && f[col("format")] == "int4" && f[col("scheme")] == "absmax" &&
        f[col("granularity")] == "tensor") print f[col("sqnr_db")]
}
AWK
got=$(awk -f "$root/scripts/lib/csv.awk" -f "$dir/pick.awk" -v PROG=check-report -v src="$src" \
    "$dir/out/zeropoint/zeropoint-seeds.csv")
rm -f "$dir/pick.awk"
[ -n "$want" ] && [ "$want" = "$got" ] || fail "fpq quant gives sqnr_db $want for $src int4, the report's CSV $got"
echo "$me: fpq quant and the report agree on $src int4 per tensor ($want dB)"

# --- 2. the page in headless Chromium -----------------------------------------
driver=$(command -v chromedriver || echo /usr/bin/chromedriver)
browser=$(command -v chromium || echo /usr/bin/chromium)
port=$((30000 + $$ % 20000))
while cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '{print $2}' | grep -qi ":$(printf '%04X' $port)\$"; do
    port=$((port + 1))
done
profile=$(mktemp -d "${TMPDIR:-/tmp}/fpq-chromium.XXXXXX")
"$driver" --port="$port" --allowed-ips=127.0.0.1 >"$dir/chromedriver.log" 2>&1 &
dpid=$!
sid=
cleanup() {
    rc=$?
    if [ -n "$sid" ]; then
        curl -s -X DELETE "http://127.0.0.1:$port/session/$sid" >/dev/null 2>&1 || :
    fi
    kill "$dpid" 2>/dev/null || :
    wait "$dpid" 2>/dev/null || :
    rm -rf "$profile"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

wd() { # METHOD PATH [JSON]: one WebDriver call, the response on stdout
    if [ $# -ge 3 ]; then
        curl -s -X "$1" -H 'Content-Type: application/json' --data-binary "$3" "http://127.0.0.1:$port$2"
    else
        curl -s -X "$1" "http://127.0.0.1:$port$2"
    fi
}
value() { # the "value" string of a WebDriver response
    sed -n 's/.*"value":"\(.*\)"}$/\1/p'
}

i=0
until wd GET /status 2>/dev/null | grep -q '"ready":true'; do
    i=$((i + 1))
    [ $i -lt 100 ] || fail "chromedriver did not start (see $dir/chromedriver.log)"
    sleep 0.1
done
caps=$(cat <<EOF
{"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
  "binary": "$browser",
  "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-dev-shm-usage", "--user-data-dir=$profile", "--window-size=1280,1000",
           "--hide-scrollbars"]}}}}
EOF
)
resp=$(wd POST /session "$caps")
sid=$(printf '%s' "$resp" | sed -n 's/.*"sessionId":"\([^"]*\)".*/\1/p')
[ -n "$sid" ] || fail "no WebDriver session: $resp"

url="file://$dir/out/index.html"
resp=$(wd POST "/session/$sid/url" "{\"url\": \"$url\"}")
printf '%s' "$resp" | grep -q '"value":null' || fail "navigation to $url failed: $resp"

# Wait until every image is complete, then measure.
js_wait='return Array.prototype.every.call(document.images, function (i) { return i.complete; }) ? "yes" : "no";'
i=0
until [ "$(wd POST "/session/$sid/execute/sync" "{\"script\": \"$(printf '%s' "$js_wait" | sed 's/"/\\"/g')\", \"args\": []}" | value)" = yes ]; do
    i=$((i + 1))
    [ $i -lt 100 ] || fail "images still loading after 10 s"
    sleep 0.1
done
js='var imgs = Array.prototype.slice.call(document.images);
var bad = imgs.filter(function (i) { return !(i.complete && i.naturalWidth > 0); });
var tables = Array.prototype.slice.call(document.querySelectorAll("table"));
var empty = tables.filter(function (t) {
  var cells = Array.prototype.slice.call(t.querySelectorAll("tbody td"));
  return cells.length === 0 || cells.every(function (c) { return c.textContent.trim() === ""; });
});
return "images=" + imgs.length + " broken=" + bad.length + " tables=" + tables.length +
  " empty=" + empty.length + " height=" + document.documentElement.scrollHeight +
  " title=" + document.title.length +
  (bad.length ? " first_broken=" + bad[0].getAttribute("src") : "") +
  (empty.length ? " first_empty=" + (empty[0].caption ? empty[0].caption.textContent.slice(0, 40) : "?") : "");'
script=$(printf '%s' "$js" | tr '\n' ' ' | sed 's/\\/\\\\/g; s/"/\\"/g')
res=$(wd POST "/session/$sid/execute/sync" "{\"script\": \"$script\", \"args\": []}" | value)
echo "$me: Chromium: $res"
get() { printf '%s\n' "$res" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
[ -n "$(get images)" ] || fail "the page script did not run: $res"
[ "$(get images)" -ge 10 ] || fail "only $(get images) figures on the page"
[ "$(get broken)" -eq 0 ] || fail "$(get broken) figures did not decode, the first: $(get first_broken)"
[ "$(get tables)" -ge 5 ] || fail "only $(get tables) tables on the page"
[ "$(get empty)" -eq 0 ] || fail "$(get empty) empty tables, the first: $(get first_empty)"

shot() { # FILE: the current window as PNG
    wd GET "/session/$sid/screenshot" | value | base64 -d >"$1" || fail "screenshot failed"
    sig=$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')
    [ "$sig" = 89504e470d0a1a0a ] || fail "the screenshot $1 is not a PNG"
}
shot "$dir/screenshot.png"
height=$(get height)
[ "$height" -le 16000 ] || height=16000
wd POST "/session/$sid/window/rect" "{\"width\": 1280, \"height\": $height}" >/dev/null
shot "$dir/screenshot-full.png"
echo "$me: screenshots: $dir/screenshot.png, $dir/screenshot-full.png (1280 x $height)"

# --- 3. GNU parallel, two local jobs -------------------------------------------
set -- --source normal:rows=32,cols=256,seed=1 --source "tails=t:rows=32,cols=256,nu=3,seed=2" \
    --format int8,int4,fp8_e4m3,nf4 --granularity tensor,col,group --group 16,64 --range max,percentile:99.9
rm -rf "$dir/parallel"
mkdir -p "$dir/parallel"
"$fpq" sweep "$@" --out "$dir/parallel/single.csv" --threads 1 -q
sh "$root/scripts/parallel-sweep.sh" --fpq "$fpq" -j 2 --out "$dir/parallel/merged.csv" -- "$@" ||
    fail "scripts/parallel-sweep.sh failed"
cmp "$dir/parallel/single.csv" "$dir/parallel/merged.csv" || fail "GNU parallel's merged CSV differs from one run"
echo "$me: GNU parallel (2 jobs, 2 shards): merged CSV equals the single run byte for byte" \
    "($(($(wc -l <"$dir/parallel/single.csv") - 2)) rows)"

# --- 4. an interrupted sweep, resumed ------------------------------------------
set -- --source normal:rows=256,cols=1024,seed=1 --format int8,int4,int3,fp8_e4m3,fp8_e5m2,fp4_e2m1,nf4 \
    --granularity tensor,row,col,group --group 8,16,32,64,128 --round rne,sr
rm -f "$dir/interrupt.csv" "$dir/whole.csv"
"$fpq" sweep "$@" --out "$dir/interrupt.csv" --threads 2 2>"$dir/interrupt.err" &
spid=$!
i=0
while [ "$(cat "$dir/interrupt.csv" 2>/dev/null | wc -l)" -lt 4 ]; do
    i=$((i + 1))
    [ $i -lt 600 ] || { kill "$spid"; fail "the sweep wrote no rows in 60 s"; }
    sleep 0.1
done
kill -INT "$spid"
st=0
wait "$spid" || st=$?
[ "$st" -eq 130 ] || fail "fpq sweep after SIGINT: exit status $st, expected 130 (killed by SIGINT)"
grep -q 'interrupted after' "$dir/interrupt.err" || fail "no 'interrupted after' message: $(cat "$dir/interrupt.err")"
rows=$(($(wc -l <"$dir/interrupt.csv") - 2)) # less the header and plan lines
total=$("$fpq" sweep "$@" --count -q)
[ "$rows" -lt "$total" ] || fail "the sweep finished before the interrupt ($rows rows): nothing tested"
[ "$(tail -c 1 "$dir/interrupt.csv" | od -An -c | tr -d ' ')" = '\n' ] || fail "a partial row after SIGINT"
"$fpq" sweep "$@" --out "$dir/interrupt.csv" --threads 2 --resume -q || fail "--resume failed"
"$fpq" sweep "$@" --out "$dir/whole.csv" --threads 1 -q
cmp "$dir/interrupt.csv" "$dir/whole.csv" || fail "the resumed file differs from an uninterrupted run"
echo "$me: fpq sweep stopped by SIGINT after $rows of $total rows; --resume gave the uninterrupted file"
echo "$me: all passed"
