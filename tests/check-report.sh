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
#    a figure's data file without data, a per-channel scale over one value;
#    the studies show seed spread, the range study's drift rows, overflow
#    named in the loss-scale table, no claim of equality on symmetric data;
#    and the report's numbers say what fpq quant says for the same cell.
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
echo "$me: lint-report passes the small report and fails each of 6 broken copies, naming the section"

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
