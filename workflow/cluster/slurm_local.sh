#!/usr/bin/env bash
# A single-node SLURM cluster on this machine, to try the cluster path
# (snakemake --executor slurm) without a real cluster; the test suite uses it too.
#
#   sudo workflow/cluster/slurm_local.sh up       # start munged, slurmctld, slurmd
#   source "$STATE/env"                         # export SLURM_CONF for sbatch/squeue
#   sudo workflow/cluster/slurm_local.sh status
#   sudo workflow/cluster/slurm_local.sh down     # stop what `up` started
#
# Needs root (slurmd runs jobs as their submitting user) and the Debian/Ubuntu
# packages slurm-wlm and munge (`apt-get install slurm-wlm munge`).
#
# Everything lives in a state directory, $NOISEPRUNE_SLURM_STATE (default
# ${TMPDIR:-/tmp}/noiseprune-slurm): slurm.conf, the daemons' logs, spool and state
# directories, their pid files (*.pid), and `env`, a file that exports SLURM_CONF.
# `down` stops only the daemons whose pids `up` wrote there; a munged that was already
# running (system service) is used as it is and left running.
#
# The node is `localhost` with all CPUs of the machine and 90% of its memory; one
# partition, `local`. Memory is a consumable resource (sbatch --mem is honoured by the
# scheduler) and, without cgroups, is enforced by polling: jobacct_gather/linux with
# OverMemoryKill kills a job step whose resident memory exceeds the job's --mem
# (checked every second). Finished jobs stay visible to squeue for an hour
# (MinJobAge=3600): there is no accounting database, so sacct does not answer and
# Snakemake's SLURM plugin must use `--slurm-status-command squeue`.
#
# Clients find the configuration through SLURM_CONF, but the job steps that Snakemake
# starts inside a job (srun) do not inherit it: `up` therefore links
# /etc/slurm/slurm.conf to the state dir's slurm.conf (only if no such file exists;
# `down` removes the link again).
#
# Environment: NOISEPRUNE_SLURM_STATE (state dir), NOISEPRUNE_SLURM_CTLD_PORT and
# NOISEPRUNE_SLURM_D_PORT (default 6817, 6818), NOISEPRUNE_SLURM_TIMEOUT (seconds to
# wait for the node to become idle, default 60).
set -euo pipefail

STATE=${NOISEPRUNE_SLURM_STATE:-${TMPDIR:-/tmp}/noiseprune-slurm}
CTLD_PORT=${NOISEPRUNE_SLURM_CTLD_PORT:-6817}
D_PORT=${NOISEPRUNE_SLURM_D_PORT:-6818}
TIMEOUT=${NOISEPRUNE_SLURM_TIMEOUT:-60}
CONF=$STATE/slurm.conf
ETC_CONF=/etc/slurm/slurm.conf
PARTITION=local
ME=$(basename "$0")

die() {
    echo "$ME: $*" >&2
    exit 1
}

alive() { # alive PIDFILE: the pid in PIDFILE is a running process
    [[ -s $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null
}

need_root() {
    [[ $(id -u) -eq 0 ]] || die "must run as root (slurmd and munged need it): sudo $0 $1"
}

need_commands() {
    local missing=()
    for cmd in munged munge unmunge slurmctld slurmd sbatch squeue scontrol sinfo; do
        command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
    done
    if ((${#missing[@]})); then
        die "missing ${missing[*]}: install SLURM and munge first (Debian/Ubuntu: apt-get install slurm-wlm munge)"
    fi
}

munge_works() {
    munge -n 2>/dev/null | unmunge >/dev/null 2>&1
}

start_munge() {
    if munge_works; then
        echo "munge: using the munged already running"
        return
    fi
    local key=/etc/munge/munge.key
    if [[ ! -s $key ]]; then
        mkdir -p /etc/munge
        if command -v mungekey >/dev/null 2>&1; then
            mungekey --create --keyfile="$key"
        else
            dd if=/dev/urandom of="$key" bs=1 count=1024 status=none
        fi
    fi
    chown munge: "$key"
    chmod 0400 "$key"
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    chown munge: /run/munge /var/log/munge /var/lib/munge
    chmod 0755 /run/munge
    chmod 0700 /var/log/munge /var/lib/munge
    rm -f /run/munge/munged.pid
    # munged forks into the background and writes its pid file once ready.
    runuser -u munge -- munged --pid-file=/run/munge/munged.pid
    local i
    for ((i = 0; i < 50; i++)); do
        [[ -s /run/munge/munged.pid ]] && munge_works && break
        sleep 0.1
    done
    munge_works || die "munged did not start (see /var/log/munge/munged.log)"
    cp /run/munge/munged.pid "$STATE/munged.pid"
    echo "munge: started munged (pid $(cat "$STATE/munged.pid"))"
}

write_conf() {
    local cpus mem_kb mem_mb
    cpus=$(nproc --all)
    mem_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
    mem_mb=$((mem_kb / 1024 * 9 / 10))
    mkdir -p "$STATE/ctld" "$STATE/spool"
    cat >"$CONF" <<EOF
# Written by $0 up: a single-node SLURM for trying the cluster path.
ClusterName=noiseprune
SlurmctldHost=localhost
SlurmctldPort=$CTLD_PORT
SlurmdPort=$D_PORT
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=1
JobAcctGatherParams=OverMemoryKill
MinJobAge=3600
JobRequeue=0
ReturnToService=2
SchedulerParameters=sched_interval=1
NodeName=localhost CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=$PARTITION Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
    printf 'export SLURM_CONF=%q\n' "$CONF" >"$STATE/env"
}

link_etc_conf() {
    if [[ -L $ETC_CONF && $(readlink "$ETC_CONF") == "$CONF" ]]; then
        return
    fi
    if [[ -L $ETC_CONF && ! -e $ETC_CONF ]]; then
        rm -f "$ETC_CONF" # dangling link of an earlier state dir
    fi
    local other
    if [[ -L $ETC_CONF ]]; then
        other=$(dirname "$(readlink "$ETC_CONF")")
        if [[ -e $other/etc-link ]] && ! alive "$other/slurmctld.pid"; then
            rm -f "$ETC_CONF" "$other/etc-link" # left by an earlier `up` of this script whose cluster is gone (killed)
        fi
    fi
    if [[ -e $ETC_CONF ]]; then
        die "$ETC_CONF exists (another SLURM setup): jobs' srun would read it instead of $CONF; move it aside or use that cluster"
    fi
    mkdir -p "$(dirname "$ETC_CONF")"
    ln -s "$CONF" "$ETC_CONF"
    touch "$STATE/etc-link"
}

unlink_etc_conf() {
    if [[ -e $STATE/etc-link && -L $ETC_CONF && $(readlink "$ETC_CONF") == "$CONF" ]]; then
        rm -f "$ETC_CONF"
        echo "removed $ETC_CONF (link to $CONF)"
    fi
    rm -f "$STATE/etc-link"
}

node_state() {
    SLURM_CONF=$CONF sinfo --noheader --nodes=localhost --format=%T 2>/dev/null | head -n1
}

cmd_up() {
    need_root up
    need_commands
    if alive "$STATE/slurmctld.pid" && alive "$STATE/slurmd.pid"; then
        echo "already up: $(node_state); export SLURM_CONF=$CONF"
        return
    fi
    mkdir -p "$STATE"
    chmod 0755 "$STATE"
    link_etc_conf
    start_munge
    write_conf
    export SLURM_CONF=$CONF
    # -c: ignore any saved state (jobs, node states) of an earlier run.
    slurmctld -c -f "$CONF"
    slurmd -N localhost -f "$CONF"
    local i state=""
    for ((i = 0; i < TIMEOUT * 2; i++)); do
        state=$(node_state)
        # "idle*" (trailing *) would mean: not responding yet
        [[ $state == idle || $state == mixed || $state == allocated ]] && break
        [[ $state == drain* || $state == down* ]] &&
            scontrol update NodeName=localhost State=RESUME >/dev/null 2>&1 || true
        sleep 0.5
    done
    if [[ $state != idle && $state != mixed && $state != allocated ]]; then
        die "node not idle after ${TIMEOUT}s (state: ${state:-none}); see $STATE/slurmctld.log and $STATE/slurmd.log"
    fi
    echo "SLURM up: node localhost ($(nproc --all) CPUs), partition $PARTITION, state $STATE"
    echo "export SLURM_CONF=$CONF    # or: source $STATE/env"
}

stop_pidfile() { # stop_pidfile NAME: TERM then KILL the pid in $STATE/NAME.pid
    local file=$STATE/$1.pid pid i
    alive "$file" || {
        rm -f "$file"
        return 0
    }
    pid=$(cat "$file")
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    rm -f "$file"
    echo "stopped $1 (pid $pid)"
}

cmd_down() {
    [[ -d $STATE ]] || {
        echo "nothing to stop: no state dir $STATE"
        return
    }
    need_root down
    # Cancel what is left so no job outlives its controller.
    if alive "$STATE/slurmctld.pid"; then
        SLURM_CONF=$CONF scancel --full --quiet --partition="$PARTITION" >/dev/null 2>&1 || true
    fi
    stop_pidfile slurmd
    stop_pidfile slurmctld
    stop_pidfile munged
    unlink_etc_conf
}

cmd_status() {
    local name ok=0
    for name in munged slurmctld slurmd; do
        if alive "$STATE/$name.pid"; then
            echo "$name: running (pid $(cat "$STATE/$name.pid"))"
        elif [[ $name == munged ]] && munge_works; then
            echo "munged: running (not started by $ME)"
        else
            echo "$name: not running"
            ok=1
        fi
    done
    if ((ok == 0)); then
        echo "node localhost: $(node_state)"
        echo "export SLURM_CONF=$CONF"
    fi
    return $ok
}

case ${1:-} in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
*)
    echo "usage: $0 up|down|status   (state dir: $STATE)" >&2
    exit 2
    ;;
esac
