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

# shards_check NARGS: after the options, check them: --out given, NARGS
# sweep arguments.
shards_check() {
    [ -n "$out" ] || { echo "$me: --out FILE is required" >&2; exit 2; }
    [ "$1" -gt 0 ] || { echo "$me: no sweep arguments after --" >&2; exit 2; }
}

# shards_prepare: make $fpq absolute (it must be executable), and create the
# shard directory $dir (default $out.shards) as an absolute path.
shards_prepare() {
    [ -x "$fpq" ] || { echo "$me: $fpq: not an executable (make)" >&2; exit 1; }
    fpq=$(cd "$(dirname "$fpq")" && pwd)/$(basename "$fpq")
    dir=${dir:-$out.shards}
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
}

# The unknown-option message of a driver.
shards_unknown() {
    echo "$me: unknown option '$1' (the sweep's own arguments go after --)" >&2
    exit 2
}
