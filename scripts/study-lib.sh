# study-lib.sh: what the study scripts (scripts/study-*.sh) share; sourced,
# not run.  POSIX sh.
#
# A study script calls `study_init NAME "$@"`, which reads the common
# options
#     --out DIR      where the CSVs, figures and report fragments go
#                    (default reports/out/NAME)
#     --fpq PATH     the fpq command (default build/fpq)
#     --data DIR     the bundled real data (default data/; see make data)
#     --threads N    passed to fpq sweep (default: all cores)
#     --full         full size (also FULL=1 in the environment)
#     --small        a tiny size, for tests (make check-report)
# and then: run_sweep NAME ARGS... (fpq sweep into DIR/NAME.csv), pick and
# pivot (scripts/lib/*.awk), plot TEMPLATE NAME VAR=VALUE... (gnuplot,
# PNG and SVG; any output of gnuplot on stderr is an error), and the
# sec_* functions that write the study's part of the report, as Markdown
# (DIR/section.md) and HTML (DIR/section.html), with figure paths relative
# to DIR's parent (the report's root).

set -eu

SCRIPTS=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$SCRIPTS")
LIB=$SCRIPTS/lib
TEMPLATES=$ROOT/reports

die() {
    echo "$STUDY: $*" >&2
    exit 1
}

study_init() {
    STUDY=$1
    shift
    FPQ=$ROOT/build/fpq
    OUT=
    DATA=$ROOT/data
    THREADS=
    FULL=${FULL:-}
    [ "$FULL" = 0 ] && FULL=
    SMALL=
    while [ $# -gt 0 ]; do
        case $1 in
        --out) OUT=$2; shift 2 ;;
        --fpq) FPQ=$2; shift 2 ;;
        --data) DATA=$2; shift 2 ;;
        --threads) THREADS=$2; shift 2 ;;
        --full) FULL=1; shift ;;
        --small) SMALL=1; shift ;;
        -h|--help)
            sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
            exit 0 ;;
        *) die "unknown option '$1' (--out DIR, --fpq PATH, --data DIR, --threads N, --full)" ;;
        esac
    done
    OUT=${OUT:-$ROOT/reports/out/$STUDY}
    [ -x "$FPQ" ] || die "$FPQ: not an executable (run make first)"
    command -v gnuplot >/dev/null 2>&1 || die "gnuplot not found (apt-get install gnuplot-nox; make deps)"
    mkdir -p "$OUT"
    OUT=$(cd "$OUT" && pwd)
    SEC=$(basename "$OUT")
    : >"$OUT/section.md"
    : >"$OUT/section.html"
    : >"$OUT/notes.txt"
    : >"$OUT/claims.tsv"
    # synthetic sources run under this many generator seeds (seeded,
    # seed_summary)
    NSEEDS=$(size 2 5 10)
    STARTED=$(date +%s)
}

# size SMALL QUICK FULL: the value for the run's size
size() {
    if [ -n "$SMALL" ]; then echo "$1"; elif [ -n "$FULL" ]; then echo "$3"; else echo "$2"; fi
}

# run_sweep NAME ARGS...: fpq sweep ARGS into $OUT/NAME.csv (replacing it),
# with the newline-separated words of $SWEEP_EXTRA (real_sources) appended
run_sweep() {
    name=$1
    shift
    old_ifs=$IFS
    IFS='
'
    set -f
    # shellcheck disable=SC2086
    set -- "$@" ${SWEEP_EXTRA:-}
    set +f
    IFS=$old_ifs
    "$FPQ" sweep "$@" --out "$OUT/$name.csv" --force ${THREADS:+--threads "$THREADS"} ||
        die "fpq sweep for $name failed"
}

# pick CSV DAT WHERE SERIES X Y [LABEL]: series blocks for a template
# (PICK_MERGE=TOL: coinciding points share a label; PICK_NAME: the name
# of a series-less block; PICK_ERR=1: the seed spread of sqnr_db, min and
# max, after y)
pick() {
    awk -f "$LIB/csv.awk" -f "$LIB/pick.awk" -v where="$3" -v series="$4" -v x="$5" -v y="$6" \
        -v label="${7:-}" -v name="${PICK_NAME:-data}" -v merge="${PICK_MERGE:-}" \
        -v lo="${PICK_ERR:+sqnr_db_min}" -v hi="${PICK_ERR:+sqnr_db_max}" "$1" >"$2" ||
        die "pick from $1 failed ($3)"
}

# same_series DAT: in a file of pick's blocks, the series whose points are
# all the same (they would hide one another) as one block named
# "A = B = ...", in the order of first appearance
same_series() {
    awk '
function flush() {
    if (nm == "") return
    if (pts in who) who[pts] = who[pts] " = " nm
    else { key[++nk] = pts; who[pts] = nm }
    nm = ""; pts = ""
}
/^"/ { flush(); nm = substr($0, 2, length($0) - 2); next }
/^$/ { next }
{ pts = pts $0 "\n" }
END {
    flush()
    for (i = 1; i <= nk; i++) printf "%s\"%s\"\n%s", (i > 1 ? "\n\n" : ""), who[key[i]], key[i]
}' "$1" >"$1+" && mv -f "$1+" "$1" || die "same_series $1"
}

# pivot CSV OUT WHERE ROWS COLS VAL [DIGITS] [ROWNAME]: a table
pivot() {
    awk -f "$LIB/csv.awk" -f "$LIB/pivot.awk" -v where="$3" -v rows="$4" -v cols="$5" -v val="$6" \
        -v digits="${7:-2}" -v rowname="${8:-}" "$1" >"$2" || die "pivot of $1 failed ($3)"
}

# plot TEMPLATE NAME VAR=VALUE...: reports/TEMPLATE.gp into $OUT/NAME.png
# and .svg.  Values that are numbers are passed as numbers, others as
# strings.  gnuplot must say nothing on stderr (no warnings).
plot() {
    tpl=$1
    name=$2
    shift 2
    q() { printf "%s" "$1" | sed "s/'/''/g"; }
    vars="common='$(q "$TEMPLATES/common.gp")'; out='$(q "$OUT/$name")'"
    for kv in "$@"; do
        k=${kv%%=*}
        v=${kv#*=}
        case $v in
        ''|*[!0-9.-]*|*.*.*|-|.) vars="$vars; $k='$(q "$v")'" ;;
        *) vars="$vars; $k=$v" ;;
        esac
    done
    if ! gnuplot -e "$vars" "$TEMPLATES/$tpl.gp" >"$OUT/$name.log" 2>&1 || [ -s "$OUT/$name.log" ]; then
        sed 's/^/    /' "$OUT/$name.log" >&2
        die "gnuplot $tpl.gp for $name failed or warned (above)"
    fi
    rm -f "$OUT/$name.log"
    [ -s "$OUT/$name.png" ] && [ -s "$OUT/$name.svg" ] || die "gnuplot wrote no $name.png / .svg"
}

# Report fragments ----------------------------------------------------------

html_escape() {
    sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g'
}

# Inline `code` and **bold** of a Markdown line, for HTML (after escaping).
md_inline() {
    html_escape | sed -e 's/`\([^`]*\)`/<code>\1<\/code>/g' -e 's/\*\*\([^*]*\)\*\*/<strong>\1<\/strong>/g'
}

sec_h2() {
    printf '\n## %s\n\n' "$1" >>"$OUT/section.md"
    printf '<h2 id="%s">%s</h2>\n' "$SEC" "$(printf '%s' "$1" | md_inline)" >>"$OUT/section.html"
}

sec_h3() {
    printf '\n### %s\n\n' "$1" >>"$OUT/section.md"
    printf '<h3>%s</h3>\n' "$(printf '%s' "$1" | md_inline)" >>"$OUT/section.html"
}

# sec_p TEXT: a paragraph (Markdown inline: `code`, **bold**)
sec_p() {
    printf '%s\n\n' "$1" >>"$OUT/section.md"
    printf '<p>%s</p>\n' "$(printf '%s' "$1" | md_inline)" >>"$OUT/section.html"
}

# sec_note TEXT: a highlighted remark (missing data, ...); also kept in
# notes.txt for the report's summary
sec_note() {
    printf '> **Note:** %s\n\n' "$1" >>"$OUT/section.md"
    printf '<p class="note"><strong>Note:</strong> %s</p>\n' "$(printf '%s' "$1" | md_inline)" >>"$OUT/section.html"
    printf '%s: %s\n' "$STUDY" "$1" >>"$OUT/notes.txt"
}

# sec_fig NAME CAPTION: the figure NAME.png, linking to NAME.svg
sec_fig() {
    printf '![%s](%s/%s.png)\n\n*%s* ([SVG](%s/%s.svg))\n\n' "$2" "$SEC" "$1" "$2" "$SEC" "$1" >>"$OUT/section.md"
    cap=$(printf '%s' "$2" | md_inline)
    printf '<figure><a href="%s/%s.svg"><img src="%s/%s.png" alt="%s"></a><figcaption>%s</figcaption></figure>\n' \
        "$SEC" "$1" "$SEC" "$1" "$(printf '%s' "$2" | html_escape | sed 's/"/\&quot;/g')" "$cap" \
        >>"$OUT/section.html"
}

# sec_table CSV CAPTION: a CSV file as a table
sec_table() {
    awk -f "$LIB/csv.awk" -f "$LIB/table.awk" -v out=md "$1" >"$OUT/.table.md" || die "table $1"
    awk -f "$LIB/csv.awk" -f "$LIB/table.awk" -v out=html "$1" >"$OUT/.table.html" || die "table $1"
    {
        printf '*%s*\n\n' "$2"
        cat "$OUT/.table.md"
        printf '\n'
    } >>"$OUT/section.md"
    {
        printf '<table>\n<caption>%s</caption>\n' "$(printf '%s' "$2" | md_inline)"
        cat "$OUT/.table.html"
        printf '</table>\n'
    } >>"$OUT/section.html"
    rm -f "$OUT/.table.md" "$OUT/.table.html"
}

# sec_files: where the study's data are
sec_files() {
    list=
    for f in "$OUT"/*.csv; do
        [ -e "$f" ] || continue
        b=$(basename "$f")
        list="$list $b"
    done
    el=$(( $(date +%s) - STARTED ))
    printf 'Data: %s (in `%s/`); the study took %d s.\n\n' "$(echo $list | sed 's/ /, /g')" "$SEC" "$el" \
        >>"$OUT/section.md"
    links=
    for b in $list; do
        links="$links <a href=\"$SEC/$b\">$b</a>"
    done
    printf '<p class="files">Data:%s; the study took %d s.</p>\n' "$links" "$el" >>"$OUT/section.html"
}

# Sources -------------------------------------------------------------------

# real_sources PATTERN...: sets SWEEP_EXTRA to --source LABEL=SOURCE for
# each tensor of the bundled data (DATA/SOURCES.tsv, paths relative to the
# directory holding DATA) whose label matches a shell pattern and whose
# file is there, NREAL to their count, REAL_LABELS to their labels and
# REAL_MISSING to a sentence when there is no data.
real_sources() {
    NREAL=0
    SWEEP_EXTRA=
    REAL_LABELS=
    REAL_MISSING=
    tsv=$DATA/SOURCES.tsv
    if [ ! -f "$tsv" ]; then
        REAL_MISSING="**No real data**: \`$tsv\` does not exist (\`make data\` fetches the bundled set), so this study shows synthetic distributions only."
        return 0
    fi
    base=$(cd "$(dirname "$DATA")" && pwd)
    while IFS='	' read -r label src; do
        case $label in '#'*|'') continue ;; esac
        match=
        for pat in "$@"; do
            # shellcheck disable=SC2254
            case $label in $pat) match=1 ;; esac
        done
        [ -n "$match" ] || continue
        file=${src%%::*}
        case $file in /*) ;; *) file=$base/$file; src=$base/$src ;; esac
        [ -f "$file" ] || continue
        NREAL=$((NREAL + 1))
        REAL_LABELS="$REAL_LABELS $label"
        SWEEP_EXTRA="$SWEEP_EXTRA
--source
$label=$src"
    done <"$tsv"
    if [ "$NREAL" -eq 0 ]; then
        REAL_MISSING="**No real data**: none of the bundled tensors this study uses is in \`$DATA\` (run \`make data\`), so it shows synthetic distributions only."
    fi
}

# real_source LABEL: the source of one bundled tensor (DATA/SOURCES.tsv,
# resolved by real_sources) on stdout, or nothing when it is not there.
# Call it as $(real_source LABEL).
real_source() {
    real_sources "$1" # in the caller's $(...): its variables stay there
    [ "$NREAL" -eq 1 ] && printf '%s\n' "${SWEEP_EXTRA#*"$1"=}"
    return 0
}

# awkp 'PROGRAM' ARGS...: run an awk program with the CSV functions of
# scripts/lib/csv.awk (csv_split, csv_head, col, cond_ok, round_to, ...)
awkp() {
    prog=$1
    shift
    printf '%s\n' "$prog" >"$OUT/.prog.awk"
    awk -f "$LIB/csv.awk" -f "$OUT/.prog.awk" "$@"
    rc=$?
    rm -f "$OUT/.prog.awk"
    return $rc
}

# lloyd: the Lloyd-Max table for the SQNR figures, once per study
lloyd() {
    [ -s "$OUT/lloydmax.csv" ] || "$FPQ" lloydmax --csv >"$OUT/lloydmax.csv" || die "fpq lloydmax failed"
}

# Seeds -----------------------------------------------------------------------

# seeded LABEL=SPEC...: the --source arguments of each synthetic source under
# the seeds 1..NSEEDS (SPEC without seed=), for run_sweep ("$@" style:
# set -- $(seeded ...) is wrong for blanks; use: eval "set -- $(seeded ...)")
seeded() {
    for ls in "$@"; do
        k=1
        while [ $k -le "$NSEEDS" ]; do
            printf ' --source %s' "'$ls,seed=$k'"
            k=$((k + 1))
        done
    done
}

# seed_summary RAW OUT: the cells of RAW averaged over the seeds
# (scripts/lib/seeds.awk: mean, min, max and a 95% interval of sqnr_db)
seed_summary() {
    awk -f "$LIB/csv.awk" -f "$LIB/seeds.awk" "$1" >"$2" || die "seed summary of $1 failed"
}

# shape_of CSV LABEL: "ROWS x COLS (N values)" of a label's tensor
shape_of() {
    awkp 'NR == 1 { csv_head($0); next }
{ csv_split($0, f); if (f[col("label")] == lab) { printf "%s x %s (%s values)", f[col("rows")], f[col("cols")], f[col("n")]; exit } }' \
        -v lab="$2" "$1"
}

# claim CSV KEYCOL KEY COL VALUE DIGITS: record that a sentence of the
# section quotes VALUE (rounded to DIGITS decimals) from the row of CSV whose
# column KEYCOL is KEY (KEYCOL may join columns with +: format+granularity,
# KEY then joins their values with |), column COL; scripts/lint-report.sh
# checks every recorded value against the CSV.  Prints VALUE rounded.
claim() {
    v=$(awk -v x="$5" -v d="$6" 'BEGIN { printf "%.*f", d, x }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(basename "$1")" "$2" "$3" "$4" "$v" "$6" >>"$OUT/claims.tsv"
    printf '%s' "$v"
}

# value_of CSV KEYCOL KEY COL: the value of COL in the row whose KEYCOL
# (joined with + as in claim) is KEY; empty when there is none
value_of() {
    awkp 'NR == 1 { csv_head($0); nk = split(kc, K, "+"); next }
{
    csv_split($0, f); k = ""
    for (i = 1; i <= nk; i++) k = k (i > 1 ? "|" : "") f[col(K[i])]
    if (k == key) { print f[col(c)]; exit }
}' -v kc="$2" -v key="$3" -v c="$4" "$1"
}
