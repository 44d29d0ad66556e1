#!/bin/sh
# report.sh: the report `make report` writes: run the studies (scripts/
# study-*.sh), then assemble OUT/index.html (figures and tables, readable
# from the file system without a server) and OUT/REPORT.md.
#
# Usage: scripts/report.sh [--full] [--out DIR] [--fpq PATH] [--data DIR]
#                          [--threads N] [--studies LIST] [--make-data]
#   --out DIR       default reports/out
#   --full          the studies at full size (also FULL=1)
#   --small         a tiny size, for tests (make check-report)
#   --studies LIST  a comma-separated subset, in the order given (default:
#                   formats,granularity,standards,zeropoint,outliers,
#                   rounding,range,dynamic-range,matmul,methods,accumulation,
#                   task)
#   --make-data     run `make data` first when DATA/SOURCES.tsv is missing
#                   (or DATA/usel/ or DATA/usel/text/, and Node.js is there
#                   to compute them);
#                   if that fails the report says so at the top and the
#                   studies use synthetic data only
#
# Everything is built in a temporary directory beside OUT and renamed into
# place only when every study succeeded: a failure leaves the previous
# report intact.  OUT is replaced only when it is missing, empty, or a
# report (it holds the marker file .fpq-report that every report gets):
# any other directory, a file or a symbolic link is refused at once and
# left as it is.  Prints the wall time taken; the report records it too.

set -eu

me=report.sh
SCRIPTS=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$SCRIPTS")
LIB=$SCRIPTS/lib

out=$ROOT/reports/out
fpq=$ROOT/build/fpq
data=$ROOT/data
threads=
full=${FULL:-}
[ "$full" = 0 ] && full=
studies=formats,granularity,standards,zeropoint,outliers,rounding,range,dynamic-range,matmul,methods,accumulation,task
make_data=
small=
while [ $# -gt 0 ]; do
    case $1 in
    --out) out=$2; shift 2 ;;
    --fpq) fpq=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --studies) studies=$2; shift 2 ;;
    --full) full=1; shift ;;
    --small) small=1; shift ;;
    --make-data) make_data=1; shift ;;
    -h|--help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "$me: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done

die() {
    echo "$me: $*" >&2
    exit 1
}

# OUT may be replaced only if it is missing, an empty directory, or a
# report: a directory holding the marker file every report gets.
marker=.fpq-report
case $out in ?*/) out=${out%/} ;; esac
check_out() {
    if [ -L "$out" ]; then
        die "$out is a symbolic link: give the directory itself as --out"
    elif [ -e "$out" ] && [ ! -d "$out" ]; then
        die "$out exists and is not a directory: choose another --out"
    elif [ -d "$out" ] && [ ! -f "$out/$marker" ] && [ -n "$(ls -A "$out")" ]; then
        die "$out holds files that are not an fpq report (it has no $marker): it is left as it is; choose another --out (a new or empty directory), or move its files away yourself"
    fi
}
check_out

[ -x "$fpq" ] || die "$fpq: not an executable (run make first)"
command -v gnuplot >/dev/null 2>&1 || die "gnuplot not found (make deps installs gnuplot-nox)"
fpq=$(cd "$(dirname "$fpq")" && pwd)/$(basename "$fpq")
start=$(date +%s)

# ---------------------------------------------------------------------------
# The bundled real data.

data_status=present
data_note=
# data/ from before the USE-lite activations existed: make data adds them
# (the rest is cached) when Node.js is there to compute them
if [ -n "$make_data" ] && [ -f "$data/SOURCES.tsv" ] &&
   { [ ! -f "$data/usel/.complete" ] || [ ! -f "$data/usel/text/.complete" ]; } &&
   command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    echo "$me: $data/usel/ is missing: running ${MAKE:-make} data" >&2
    mkdir -p "$ROOT/build"
    (cd "$ROOT" && ${MAKE:-make} --no-print-directory data) >"$ROOT/build/make-data.log" 2>&1 ||
        echo "$me: make data failed (build/make-data.log); going on with $data/ as it is" >&2
fi
if [ ! -f "$data/SOURCES.tsv" ]; then
    if [ -n "$make_data" ]; then
        echo "$me: $data/SOURCES.tsv is missing: running ${MAKE:-make} data" >&2
        mkdir -p "$ROOT/build"
        if (cd "$ROOT" && ${MAKE:-make} --no-print-directory data) >"$ROOT/build/make-data.log" 2>&1; then
            data_status="fetched by this run"
        else
            data_status=missing
            data_note="\`make data\` failed (its output is in build/make-data.log; the network or npm may be unavailable)."
            tail -n 5 "$ROOT/build/make-data.log" | sed 's/^/    /' >&2
        fi
    else
        data_status=missing
        data_note="\`$data/SOURCES.tsv\` does not exist; run \`make data\` to fetch the bundled set."
    fi
fi
if [ "$data_status" = missing ]; then
    echo "$me: WARNING: no real data; the studies use synthetic distributions only" >&2
fi

# ---------------------------------------------------------------------------
# Build everything in a temporary directory beside OUT.

parent=$(dirname "$out")
mkdir -p "$parent"
tmp=$(mktemp -d "$parent/.report.XXXXXX")
chmod 755 "$tmp" # mktemp makes it private; a report is for reading
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

order=$(echo "$studies" | tr ',' ' ')
for s in $order; do
    [ -f "$SCRIPTS/study-$s.sh" ] || die "no study '$s' (scripts/study-$s.sh)"
done
for s in $order; do
    echo "$me: study $s" >&2
    t0=$(date +%s)
    sh "$SCRIPTS/study-$s.sh" --out "$tmp/$s" --fpq "$fpq" --data "$data" ${threads:+--threads "$threads"} \
        ${full:+--full} ${small:+--small} || die "study $s failed; the previous report is left as it was"
    echo "$me: study $s done in $(( $(date +%s) - t0 )) s" >&2
done

# ---------------------------------------------------------------------------
# The format reference: the preset table, the number lines, fpq info.

ref=$tmp/reference
mkdir -p "$ref"
"$fpq" formats --csv >"$ref/formats-exact.csv" || die "fpq formats failed"
names=$(awk 'BEGIN { FS = "," } NR > 1 { print $1 }' "$ref/formats-exact.csv")
# the table shows max_finite to 7 significant digits (fp64's exact value has
# 309; formats-exact.csv keeps them all)
cat >"$ref/.fmt.awk" <<'AWK'
NR == 1 { print; csv_head($0); next }
{
    n = csv_split($0, f); line = ""
    for (i = 1; i <= n; i++) {
        v = f[i]
        if (i == col("max_finite") && length(v) > 12 && is_num(v)) v = sprintf("%.7g", v)
        line = line (i > 1 ? "," : "") csv_field(v)
    }
    print line
}
AWK
awk -f "$LIB/csv.awk" -f "$ref/.fmt.awk" -v PROG=report.sh "$ref/formats-exact.csv" >"$ref/formats.csv" ||
    die "formats table"
rm -f "$ref/.fmt.awk"
n=0
for name in $names; do
    n=$((n + 1))
    "$fpq" info "$name" >"$ref/info.$n" || die "fpq info $name failed"
done
# Number lines: every value of the formats of at most 8 bits (linear and
# log2); in the log view also fp16, bf16 and e8m0, one tick per binade
# (their powers of two: tens of thousands of ticks would be a solid bar).
nl_small="int2 nf4 fp4_e3m0 fp4_e1m2 fp4_e2m1 int4 fp6_e3m2 fp6_e2m3 fp8_e3m4 fp8_e5m2 fp8_e4m3 int8"
nl_wide="e8m0 bf16 fp16"
: >"$ref/numberline_linear.dat"
: >"$ref/numberline_log.dat"
lrow=0
grow=0
for f in $nl_wide $nl_small; do
    "$fpq" table "$f" --csv >"$ref/table_$f.csv" || die "fpq table $f failed"
    case " $nl_wide " in *" $f "*) wide=1 ;; *) wide=0 ;; esac
    awk -F, -v name="$f" -v wide=$wide -v lrow=$lrow -v grow=$grow \
        -v lin="$ref/numberline_linear.dat" -v lg="$ref/numberline_log.dat" '
        NR > 1 && ($2 == "zero" || $2 == "subnormal" || $2 == "normal") {
            v[++n] = $3 + 0; pow2[n] = $4 ~ /^0x1p/
            if (v[n] > m) m = v[n]
            if (-v[n] > m) m = -v[n]
        }
        END {
            if (!wide) {
                if (lrow > 0) printf "\n\n" >> lin
                printf "\"%s\"\n", name >> lin
                for (i = 1; i <= n; i++) printf "%.17g,%d\n", v[i] / m, lrow >> lin
            }
            if (grow > 0) printf "\n\n" >> lg
            printf "\"%s%s\"\n", name, wide ? " (binades)" : "" >> lg
            for (i = 1; i <= n; i++)
                if (v[i] > 0 && (!wide || pow2[i])) printf "%.17g,%d\n", log(v[i]) / log(2), grow >> lg
        }' "$ref/table_$f.csv" || die "number line of $f"
    [ $wide -eq 1 ] || lrow=$((lrow + 1))
    grow=$((grow + 1))
done
rm -f "$ref"/table_*.csv

# the study helpers, for the reference section's figures and fragments
STUDY=report
OUT=$ref
TEMPLATES=$ROOT/reports
# shellcheck source=scripts/study-lib.sh
. "$SCRIPTS/study-lib.sh"
SEC=reference
: >"$ref/section.md"
: >"$ref/section.html"
plot numberline numberline_linear data="$ref/numberline_linear.dat" scale=linear \
    title="Every finite value of each format, scaled to its largest"
plot numberline numberline_log data="$ref/numberline_log.dat" scale=log xmin=-26 xmax=18 \
    title="The positive values of each format, in binades (log2)"

sec_h2 "Format reference"
sec_p "The preset formats of fpq and their landmarks, as printed by the fpq command (\`fpq formats\`, \`fpq info NAME\`).  The number lines show the anatomy of the small formats: integers are evenly spaced; floats keep a constant relative step within each binade, so their values crowd toward zero and thin out toward the maximum; subnormals fill the gap below the smallest normal with evenly spaced values."
sec_fig numberline_linear "Every finite value of each format of at most 8 bits, divided by its largest finite value (linear scale)."
sec_fig numberline_log "The positive values on a log2 scale, one unit per binade; the span of a row is the format's dynamic range.  For e8m0, bf16 and fp16 one tick per binade (their powers of two); bf16 and e8m0 run far off both edges (2^-133 to 2^128, 2^-127 to 2^127)."
sec_table "$ref/formats.csv" "The preset formats (\`fpq formats --csv\`; max_finite to 7 significant digits, exactly in formats-exact.csv and below)."
{
    printf '<details><summary>Landmarks of every preset (<code>fpq info NAME</code>)</summary>\n'
    n=0
    for name in $names; do
        n=$((n + 1))
        printf '<h3 id="info-%s">%s</h3>\n<pre>' "$name" "$name"
        html_escape <"$ref/info.$n"
        printf '</pre>\n'
    done
    printf '</details>\n'
} >>"$ref/section.html"
{
    n=0
    for name in $names; do
        n=$((n + 1))
        printf '\n### %s (`fpq info %s`)\n\n```text\n' "$name" "$name"
        cat "$ref/info.$n"
        printf '```\n'
    done
} >>"$ref/section.md"
rm -f "$ref"/info.*

# ---------------------------------------------------------------------------
# Energy per operation (Horowitz, "Computing's energy problem", ISSCC 2014: 45 nm, 0.9 V).

energy=$tmp/energy
mkdir -p "$energy"
OUT=$energy
SEC=energy
: >"$energy/section.md"
: >"$energy/section.html"
cat >"$energy/energy.csv" <<'EOF'
operation,energy (pJ)
8-bit int add,0.03
32-bit int add,0.1
8-bit int mult,0.2
32-bit int mult,3.1
fp16 add,0.4
fp32 add,0.9
fp16 mult,1.1
fp32 mult,3.7
"64-bit read, 8 KB SRAM",10
"64-bit read, 32 KB SRAM",20
"64-bit read, 1 MB SRAM",100
64-bit DRAM read,1300-2600
EOF
# per data type: add and mult from the table; a value's share of a 64-bit
# read: bits / 64 of 10 pJ (8 KB SRAM) and of 1.3-2.6 nJ (DRAM)
awk 'BEGIN {
    print "data type,bits,add (pJ),mult (pJ),multiply-add (pJ),one value from 8 KB SRAM (pJ),one value from DRAM (pJ)"
}
END {
    split("int8|8|0.03|0.2;int32|32|0.1|3.1;fp16|16|0.4|1.1;fp32|32|0.9|3.7;8-bit (fp8_e4m3 int8)|8|-|-;4-bit (fp4_e2m1 int4 nf4)|4|-|-", rows, ";")
    for (i = 1; i <= 6; i++) {
        split(rows[i], f, "|")
        b = f[2]
        mac = (f[3] == "-") ? "-" : sprintf("%.2f", f[3] + f[4])
        printf "%s,%d,%s,%s,%s,%.2f,%.0f-%.0f\n", f[1], b, f[3], f[4], mac, 10 * b / 64, 1300 * b / 64, 2600 * b / 64
    }
}' </dev/null >"$energy/per_type.csv"
sec_h2 "Energy per operation"
sec_p "Why fewer bits matter: the energy of arithmetic and, far more, of moving data, from Horowitz, \"Computing's energy problem (and what we can do about it)\", ISSCC 2014 (45 nm, 0.9 V).  A 32-bit DRAM read costs some 150 to 300 times an fp32 multiply-add; halving the bits per value halves the memory energy of every weight and activation moved.  Energy falls faster than width for multipliers (roughly with the square of the significand width: 0.2 pJ for an 8-bit integer multiply against 3.1 pJ at 32 bits)."
sec_table "$energy/energy.csv" "Energy per operation (Horowitz, ISSCC 2014, 45 nm, 0.9 V)."
sec_table "$energy/per_type.csv" "Per data type: arithmetic from the table above (no 4-bit or 8-bit float figures are given there), and the share of a 64-bit read that one value of the type costs."

# ---------------------------------------------------------------------------
# Assemble.

elapsed=$(( $(date +%s) - start ))
version=$("$fpq" --version | head -n 1)
when=$(date -u '+%Y-%m-%d %H:%M UTC')
cores=$(nproc 2>/dev/null || echo '?')
mode=quick
[ -n "$full" ] && mode="full (FULL=1)"
[ -n "$small" ] && mode="small (a test run)"
title="fpq report: number formats and quantization error"
cat "$tmp"/*/notes.txt 2>/dev/null >"$tmp/notes.all" || :

sections="$order energy reference"
{
    printf '# %s\n\n' "$title"
    if [ "$data_status" = missing ]; then
        printf '> **WARNING: NO REAL DATA.** %s Every study below ran on synthetic distributions only.\n\n' "$data_note"
    fi
    printf 'Generated by `make report` on %s with %s; %s size; %s cores; the studies took %d s.  ' \
        "$when" "$version" "$mode" "$cores" "$elapsed"
    printf 'Real data: %s.\n\n' "$data_status"
    printf 'How to read it: every figure plots an error measure (mostly SQNR, the signal-to-quantization-noise ratio in dB: higher is better, +6 dB per extra bit of a uniform quantizer) against what it costs (bits per value, counting scales and kept outliers).  Each study section says what it varies; its CSV holds every number, one row per cell, with the inputs that produced it.\n\n'
    printf '## Contents\n\n'
    for s in $sections; do
        t=$(sed -n 's/^## //p' "$tmp/$s/section.md" | head -n 1)
        printf -- '- [%s](#%s)\n' "$t" "$s"
    done
    if [ -s "$tmp/notes.all" ]; then
        printf '\n## Notes\n\n'
        sed 's/^/- /' "$tmp/notes.all"
    fi
    for s in $sections; do
        printf '\n<a id="%s"></a>\n' "$s"
        cat "$tmp/$s/section.md"
    done
} >"$tmp/REPORT.md"

{
    cat <<EOF
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<style>
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; max-width: 72em; margin: 1.5em auto; padding: 0 1em; line-height: 1.45; color: #222; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-top: 1em; } h3 { font-size: 1.05em; }
figure { margin: 1.2em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.9em; color: #444; }
table { border-collapse: collapse; margin: 0.6em 0 1.4em; font-size: 0.85em; display: block; overflow-x: auto; }
caption { caption-side: top; text-align: left; font-style: italic; padding-bottom: 0.3em; }
td, th { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f3f3f3; }
pre { background: #f6f6f6; padding: 0.5em; overflow-x: auto; font-size: 0.85em; }
code { background: #f3f3f3; padding: 0 0.2em; }
.note { background: #fff6d6; border-left: 4px solid #e0b000; padding: 0.4em 0.7em; }
.warning { background: #ffe0e0; border: 2px solid #c00; padding: 0.7em 1em; font-size: 1.1em; }
.files { font-size: 0.85em; color: #555; }
nav ul { columns: 2; }
</style>
</head>
<body>
EOF
    printf '<h1>%s</h1>\n' "$title"
    if [ "$data_status" = missing ]; then
        printf '<p class="warning"><strong>WARNING: NO REAL DATA.</strong> %s Every study below ran on synthetic distributions only.</p>\n' \
            "$(printf '%s' "$data_note" | md_inline)"
    fi
    printf '<p>Generated by <code>make report</code> on %s with %s; %s size; %s cores; the studies took %d s.  Real data: %s.</p>\n' \
        "$when" "$(printf '%s' "$version" | html_escape)" "$mode" "$cores" "$elapsed" "$data_status"
    printf '<p>How to read it: every figure plots an error measure (mostly SQNR, the signal-to-quantization-noise ratio in dB: higher is better, +6 dB per extra bit of a uniform quantizer) against what it costs (bits per value, counting scales and kept outliers).  Each study section says what it varies; its CSV holds every number, one row per cell, with the inputs that produced it.  Click a figure for its SVG.</p>\n'
    printf '<nav><h2>Contents</h2><ul>\n'
    for s in $sections; do
        t=$(sed -n 's/^## //p' "$tmp/$s/section.md" | head -n 1)
        printf '<li><a href="#%s">%s</a></li>\n' "$s" "$(printf '%s' "$t" | md_inline)"
    done
    printf '</ul></nav>\n'
    if [ -s "$tmp/notes.all" ]; then
        printf '<h2>Notes</h2>\n<ul>\n'
        while IFS= read -r line; do
            printf '<li class="note">%s</li>\n' "$(printf '%s' "$line" | md_inline)"
        done <"$tmp/notes.all"
        printf '</ul>\n'
    fi
    for s in $sections; do
        cat "$tmp/$s/section.html"
    done
    printf '</body>\n</html>\n'
} >"$tmp/index.html"

# Keep what a reader needs (figures and their data, CSVs, the generated
# claims, the pages); drop the scratch.
rm -f "$tmp"/*/section.md "$tmp"/*/section.html "$tmp"/*/notes.txt "$tmp/notes.all" 2>/dev/null || :
find "$tmp" -name claims.tsv -size 0 -exec rm -f {} + 2>/dev/null || :

# The linter: tables, CSVs, figures' data and generated claims
sh "$SCRIPTS/lint-report.sh" "$tmp" || die "the report failed its checks (above); the previous report is left as it was"

# ---------------------------------------------------------------------------
# Into place: the old report is replaced only now.

printf 'fpq report: scripts/report.sh replaces this directory whole on its next run with --out here.\n' \
    >"$tmp/$marker"
check_out # again: OUT may have changed while the studies ran
old=
if [ -e "$out" ]; then
    old="$parent/.report-old.$$"
    mv -T "$out" "$old" || die "cannot move the old $out aside"
fi
if ! mv -T "$tmp" "$out"; then
    [ -n "$old" ] && mv -T "$old" "$out"
    die "cannot move the new report into $out"
fi
trap - EXIT
[ -n "$old" ] && rm -rf "$old"
elapsed=$(( $(date +%s) - start ))
echo "$me: wrote $out/index.html and $out/REPORT.md in $elapsed s ($mode size, real data: $data_status)"
