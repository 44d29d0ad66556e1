# shards.sh: what the drivers that run a sweep as shards share
# (parallel-sweep.sh, slurm-sweep.sh).  Sourced; uses the caller's $me.

# shards_option OPT VALUE: the options every driver takes (--out, --shards,
# --dir, --fpq); sets the variable and returns 0, or returns 1 when OPT is
# not one of them.  The caller shifts 2 on success.
shards_option() {
    case $1 in
    --out|--shards|--dir|--fpq)
        [ $# -ge 2 ] || { echo "$me: option '$1' needs an argument" >&2; exit 2; }
        case $1 in
        --out) out=$2 ;;
        --shards) shards=$2 ;;
        --dir) dir=$2 ;;
        --fpq) fpq=$2 ;;
        esac
        return 0 ;;
    esac
    return 1
}

# shards_setup NARGS TOOL MESSAGE: after the options, check them (--out
# given, NARGS sweep arguments), that the command TOOL exists (else say
# MESSAGE and exit 1) and that fpq is executable; then make $fpq absolute and
# create the shard directory $dir (default $out.shards) as an absolute path.
shards_setup() {
    [ -n "$out" ] || { echo "$me: --out FILE is required" >&2; exit 2; }
    [ "$1" -gt 0 ] || { echo "$me: no sweep arguments after --" >&2; exit 2; }
    command -v "$2" >/dev/null 2>&1 || { echo "$me: $3" >&2; exit 1; }
    [ -x "$fpq" ] || { echo "$me: $fpq: not an executable (make)" >&2; exit 1; }
    fpq=$(cd "$(dirname "$fpq")" && pwd)/$(basename "$fpq")
    dir=${dir:-$out.shards}
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
}

# shards_parse ARGS...: read the driver's options up to "--": the common
# ones here, the driver's own through its function driver_option OPT
# [VALUE], which sets its variable and returns how many words it used (0
# for an option it does not know).  Sets SHARDS_USED to the number of words
# before the sweep's own arguments (the caller shifts them away).
shards_parse() {
    SHARDS_USED=0
    while [ $# -gt 0 ]; do
        case $1 in
        --) SHARDS_USED=$((SHARDS_USED + 1)); return 0 ;;
        -h|--help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
        esac
        used=0
        if shards_option "$@"; then used=2; else driver_option "$@" || used=$?; fi
        if [ "$used" -eq 0 ]; then
            echo "$me: unknown option '$1' (the sweep's own arguments go after --)" >&2
            exit 2
        fi
        [ $# -ge "$used" ] || { echo "$me: option '$1' needs an argument" >&2; exit 2; }
        shift "$used"
        SHARDS_USED=$((SHARDS_USED + used))
    done
}
