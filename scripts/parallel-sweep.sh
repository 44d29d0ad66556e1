#!/bin/sh
# parallel-sweep.sh: run an fpq sweep as N shards under GNU parallel -- on
# local cores or on other machines (--sshlogin) -- and merge the shards
# into one CSV, the same file byte for byte as one `fpq sweep` run.
#
# Usage: scripts/parallel-sweep.sh [OPTIONS] --out ALL.csv -- SWEEP-ARGS...
#   --out FILE        the merged CSV (required)
#   --shards N        how many shards (default: the number of jobs)
#   -j, --jobs N      shards at once per machine (default: 2)
#   --threads N       fpq sweep --threads of each shard (default 1)
#   --sshlogin LIST   GNU parallel's --sshlogin (e.g. 4/host1,4/host2,:);
#                     the shards run on those hosts and come back with
#                     --return; fpq must be at the same path there, and the
#                     sources (files) must be readable there too
#   --fpq PATH        the fpq command (default build/fpq beside this script)
#   --dir DIR         where the shards go (default ALL.csv.shards/); kept,
#                     so a rerun resumes unfinished shards (--resume)
#   SWEEP-ARGS        the plan: axes (--source ... --format ...) or --plan
#
# Example: scripts/parallel-sweep.sh -j 2 --out all.csv -- \
#              --source normal:n=1000000,seed=1 --format int8,int4 --group 32,128 \
#              --granularity group
#
# Needs GNU parallel (Debian package parallel).

set -eu
me=parallel-sweep.sh
here=$(cd "$(dirname "$0")" && pwd)
fpq=$(dirname "$here")/build/fpq
out=
shards=
jobs=2
threads=1
sshlogin=
dir=
. "$here/lib/shards.sh"
driver_option() {
    case $1 in
    -j|--jobs) jobs=${2-}; return 2 ;;
    --threads) threads=${2-}; return 2 ;;
    --sshlogin) sshlogin=${2-}; return 2 ;;
    esac
    return 0
}
shards_parse "$@"
shift "$SHARDS_USED"
shards_setup $# parallel \
    "GNU parallel not found; install it with: sudo apt-get install -y parallel"
shards=${shards:-$jobs}

cells=$("$fpq" sweep "$@" --count -q) || exit 1
echo "$me: $cells cells in $shards shards, $jobs at a time" >&2

# The sweep's arguments travel to parallel as one quoted string.
args=
for a in "$@"; do
    args="$args '$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'"
done
set -- parallel --will-cite --halt now,fail=1 -j "$jobs"
if [ -n "$sshlogin" ]; then
    set -- "$@" --sshlogin "$sshlogin" --return "$dir/shard-{}.csv" --cleanup
fi
# shellcheck disable=SC2016
"$@" "'$fpq' sweep $args --shard {}/$shards --threads $threads --out '$dir/shard-{}.csv' --resume -q" \
    ::: $(seq 1 "$shards")

files=
for k in $(seq 1 "$shards"); do
    files="$files $dir/shard-$k.csv"
done
# shellcheck disable=SC2086
"$fpq" merge $files --cells "$cells" --out "$out" --force
