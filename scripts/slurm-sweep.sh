#!/bin/sh
# slurm-sweep.sh: run an fpq sweep as a Slurm job array, one shard per
# array task, then merge the shards into one CSV -- the same file byte for
# byte as one `fpq sweep` run.
#
# Usage: scripts/slurm-sweep.sh [OPTIONS] --out ALL.csv -- SWEEP-ARGS...
#   --out FILE       the merged CSV (required)
#   --shards N       array tasks, one shard each (default 4)
#   --cpus N         --cpus-per-task of each task, and its fpq --threads
#                    (default 1)
#   --dir DIR        where the shards, the job script and the Slurm logs go
#                    (default ALL.csv.shards/); it must be on a file system
#                    every node sees, as must fpq and the sources' files
#   --fpq PATH       the fpq command on the nodes (default build/fpq here)
#   --sbatch ARGS    more sbatch options, e.g. "--partition=cpu --time=1:00:00"
#   --no-wait        submit the array and a merge job that depends on it
#                    (afterok), print their ids and return; default: wait for
#                    the array (sbatch --wait) and merge here
#   SWEEP-ARGS       the plan: axes (--source ... --format ...) or --plan FILE
#
# Each task runs `fpq sweep ... --shard K/N --resume`, so a task that was
# preempted or failed resumes where it stopped when resubmitted (run this
# script again: finished shards are skipped cell by cell).
#
# Example on a cluster:
#   scripts/slurm-sweep.sh --shards 64 --cpus 8 --dir /shared/run1 \
#       --sbatch "--partition=cpu --time=2:00:00" --out /shared/run1/all.csv -- \
#       --plan /shared/run1/plan.txt

set -eu
me=slurm-sweep.sh
here=$(cd "$(dirname "$0")" && pwd)
fpq=$(dirname "$here")/build/fpq
out=
shards=4
cpus=1
dir=
extra=
wait=1
. "$here/lib/shards.sh"
driver_option() {
    case $1 in
    --cpus) cpus=${2-}; return 2 ;;
    --sbatch) extra=${2-}; return 2 ;;
    --no-wait) wait=; return 1 ;;
    esac
    return 0
}
shards_parse "$@"
shift "$SHARDS_USED"
shards_setup $# sbatch \
    "sbatch not found: run this on a Slurm submit host (Debian: slurm-client)"
case $out in /*) ;; *) out=$(pwd)/$out ;; esac

cells=$("$fpq" sweep "$@" --count -q) || exit 1

q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
args=
for a in "$@"; do
    args="$args $(q "$a")"
done
cat >"$dir/task.sh" <<EOS
#!/bin/sh
# One shard of the sweep: array task K of $shards (written by $me).
set -eu
k=\${SLURM_ARRAY_TASK_ID:?not a Slurm array task}
exec $(q "$fpq") sweep $args --shard "\$k/$shards" --threads $cpus --out $(q "$dir")/shard-\$k.csv --resume -q
EOS
files=
for k in $(seq 1 "$shards"); do
    files="$files $(q "$dir/shard-$k.csv")"
done
cat >"$dir/merge.sh" <<EOS
#!/bin/sh
# Merge the $shards shards in plan order (written by $me).
exec $(q "$fpq") merge$files --cells $cells --out $(q "$out") --force
EOS
chmod +x "$dir/task.sh" "$dir/merge.sh"

echo "$me: $cells cells in $shards array tasks; shards in $dir" >&2
# shellcheck disable=SC2086
if [ -n "$wait" ]; then
    sbatch --parsable --wait --array="1-$shards" --cpus-per-task="$cpus" --job-name=fpq-sweep \
        --output="$dir/slurm-%A_%a.out" $extra "$dir/task.sh" >"$dir/jobid" || {
        echo "$me: the array job failed; logs: $dir/slurm-*.out; rerun to resume" >&2
        exit 1
    }
    "$dir/merge.sh"
else
    id=$(sbatch --parsable --array="1-$shards" --cpus-per-task="$cpus" --job-name=fpq-sweep \
        --output="$dir/slurm-%A_%a.out" $extra "$dir/task.sh")
    mid=$(sbatch --parsable --dependency="afterok:${id%%;*}" --job-name=fpq-merge \
        --output="$dir/slurm-merge-%j.out" $extra "$dir/merge.sh")
    echo "$me: submitted array job $id and merge job $mid (writes $out)"
fi
