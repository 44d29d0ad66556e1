#!/bin/sh
# check-slurm.sh [FPQ]: scale-out tested for real (make check-slurm).
#
# Starts a one-node Slurm cluster on this machine -- munged, slurmctld and
# slurmd on 127.0.0.1, every file (key, socket, config, state, logs) in a
# fresh temporary directory, ports chosen free -- runs a small sweep as a
# job array through scripts/slurm-sweep.sh, merges the shards, compares the
# result with a single-process run byte for byte, and stops the daemons
# (also on failure or interruption).
#
# Needs the Debian packages slurm-wlm and munge: as root they are
# installed when missing; otherwise the apt-get line is printed and the
# check stops.

set -eu
me=check-slurm
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
fpq=${1:-$root/build/fpq}
[ -x "$fpq" ] || { echo "$me: $fpq: not an executable (make)" >&2; exit 1; }
fpq=$(cd "$(dirname "$fpq")" && pwd)/$(basename "$fpq")

# --- packages ---------------------------------------------------------------
missing=
for p in slurm-wlm munge; do
    s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) || s=
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
for cmd in munged slurmctld slurmd sbatch sinfo scontrol; do
    command -v "$cmd" >/dev/null 2>&1 || { echo "$me: $cmd not found after installing" >&2; exit 1; }
done

# --- a private cluster ---------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/fpq-slurm.XXXXXX")
chmod 755 "$work"
stop() {
    for f in slurmd slurmctld; do
        if [ -s "$work/$f.pid" ]; then
            pid=$(cat "$work/$f.pid")
            kill "$pid" 2>/dev/null || :
            i=0
            while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
            kill -9 "$pid" 2>/dev/null || :
        fi
    done
    if [ -s "$work/munge/munged.pid" ]; then
        kill "$(cat "$work/munge/munged.pid")" 2>/dev/null || :
    fi
}
keep=
finish() {
    rc=$?
    stop
    if [ $rc -ne 0 ]; then
        for f in slurmctld.log slurmd.log munge/munged.log; do
            [ -s "$work/$f" ] && { echo "--- $f (last lines)"; tail -n 15 "$work/$f"; } >&2
        done
        echo "$me: FAILED; files kept in $work" >&2
    elif [ -z "$keep" ]; then
        rm -rf "$work"
    fi
    exit $rc
}
trap finish EXIT
trap 'exit 130' INT TERM HUP

# A free TCP port at or above $1 (from /proc/net/tcp{,6}: hex local ports).
free_port() {
    p=$1
    while :; do
        hex=$(printf '%04X' "$p")
        if ! cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '{print $2}' | grep -q ":$hex\$"; then
            echo "$p"
            return
        fi
        p=$((p + 1))
    done
}
base=$((20000 + $$ % 20000))
ctld_port=$(free_port $base)
slurmd_port=$(free_port $((ctld_port + 1)))

mkdir -p "$work/munge" "$work/state" "$work/spool"
chmod 700 "$work/munge"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 2>/dev/null
chmod 400 "$work/munge/munge.key"
munged --force --key-file="$work/munge/munge.key" --socket="$work/munge/munge.socket" \
    --pid-file="$work/munge/munged.pid" --log-file="$work/munge/munged.log" \
    --seed-file="$work/munge/munged.seed" || { echo "$me: munged did not start" >&2; exit 1; }

host=$(hostname -s 2>/dev/null || hostname)
cpus=$(nproc)
cat >"$work/slurm.conf" <<EOC
# A one-node cluster for make check-slurm (written by tests/check-slurm.sh)
ClusterName=fpqcheck
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge/munge.socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
MinJobAge=10
NodeName=fpqnode NodeHostname=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=100 State=UNKNOWN
PartitionName=check Nodes=fpqnode Default=YES MaxTime=INFINITE State=UP
EOC
export SLURM_CONF="$work/slurm.conf"
slurmctld -f "$SLURM_CONF" || { echo "$me: slurmctld did not start" >&2; exit 1; }
slurmd -f "$SLURM_CONF" -N fpqnode || { echo "$me: slurmd did not start" >&2; exit 1; }
i=0
until sinfo -h -N -o '%T' 2>/dev/null | grep -Eq '^(idle|mixed|allocated)'; do
    i=$((i + 1))
    [ $i -lt 60 ] || { echo "$me: the node did not come up:" >&2; sinfo -N >&2 || :; exit 1; }
    sleep 0.5
done
echo "$me: one-node cluster up (slurmctld :$ctld_port, slurmd :$slurmd_port, $cpus CPUs)" >&2

# --- the sweep, single and as a job array --------------------------------------
set -- --source normal:rows=32,cols=256,seed=1 --source "tails=t:rows=32,cols=256,nu=3,seed=2" \
    --format int8,int4,fp8_e4m3,fp4_e2m1 --granularity tensor,row,group --group 16,64 --round rne,sr --seed 3
"$fpq" sweep "$@" --out "$work/single.csv" --threads 1 -q
sh "$root/scripts/slurm-sweep.sh" --fpq "$fpq" --shards 3 --dir "$work/shards" --out "$work/array.csv" -- "$@"
if cmp "$work/single.csv" "$work/array.csv"; then
    rows=$(($(wc -l <"$work/single.csv") - 2)) # less the header and plan lines
    echo "$me: the job array's merged CSV equals the single run byte for byte ($rows rows, 3 shards)"
else
    echo "$me: the merged CSV differs from the single run" >&2
    keep=1
    exit 1
fi
