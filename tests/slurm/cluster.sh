#!/usr/bin/env bash
# A single-node SLURM cluster on this machine, for the workflow's cluster test.
#
#   tests/slurm/cluster.sh start DIR   install (Debian packages, if missing) and start munged,
#                                      slurmctld and slurmd; configs, state and PID files in DIR
#   tests/slurm/cluster.sh stop DIR    stop the daemons by their PID files
#
# After `start`, export SLURM_CONF=DIR/slurm.conf for sbatch, squeue and scancel.
# Exit status 77 from `start`: this machine cannot run the daemons (not root, no apt, no
# packages); the message says why. Needs no systemd: every daemon is started by hand.
set -euo pipefail

cmd=${1:?usage: cluster.sh start|stop DIR}
dir=$(realpath -m "${2:?usage: cluster.sh start|stop DIR}")

cannot() {
    echo "cluster.sh: cannot start a SLURM cluster here: $*" >&2
    exit 77
}

stop() {
    if [[ -e /etc/slurm/slurm.conf ]] && grep -q "^# symvae test cluster" /etc/slurm/slurm.conf; then
        rm -f /etc/slurm/slurm.conf
    fi
    for name in slurmd slurmctld munged; do
        pidfile="$dir/$name.pid"
        if [[ -s $pidfile ]]; then
            pid=$(cat "$pidfile")
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -9 "$pid" 2>/dev/null || true
            rm -f "$pidfile"
        fi
    done
}

install() {
    command -v slurmctld >/dev/null && command -v slurmd >/dev/null \
        && command -v munged >/dev/null && command -v sbatch >/dev/null && return 0
    [[ $(id -u) == 0 ]] || cannot "not root, and slurm-wlm/munge are not installed"
    command -v apt-get >/dev/null || cannot "no apt-get, and slurm-wlm/munge are not installed"
    export DEBIAN_FRONTEND=noninteractive
    timeout 300 apt-get install -y --no-install-recommends slurm-wlm munge >"$dir/apt.log" 2>&1 \
        || { timeout 120 apt-get update >>"$dir/apt.log" 2>&1 \
            && timeout 300 apt-get install -y --no-install-recommends slurm-wlm munge \
                >>"$dir/apt.log" 2>&1; } \
        || cannot "apt-get install slurm-wlm munge failed (see $dir/apt.log)"
}

start() {
    mkdir -p "$dir/state" "$dir/spool" "$dir/log"
    [[ $(id -u) == 0 ]] || cannot "the daemons must run as root (slurmd starts jobs as users)"
    install
    # munge: a key and a socket directory owned by the munge user
    if [[ ! -s /etc/munge/munge.key ]]; then
        mkdir -p /etc/munge
        dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
        chown munge:munge /etc/munge/munge.key 2>/dev/null || true
        chmod 400 /etc/munge/munge.key
    fi
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    chown munge:munge /run/munge /var/log/munge /var/lib/munge 2>/dev/null || true
    local host cpus mem
    host=$(hostname -s)
    cpus=$(nproc)
    mem=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 9 / 10))
    # job steps (srun inside a batch job) read /etc/slurm/slurm.conf whatever SLURM_CONF says,
    # so the config goes there too; a machine with its own SLURM config is left alone
    if [[ -e /etc/slurm/slurm.conf ]] && ! grep -q "^# symvae test cluster" /etc/slurm/slurm.conf; then
        cannot "/etc/slurm/slurm.conf exists (a real cluster's config): not overwriting it"
    fi
    cat >"$dir/slurm.conf" <<EOF
# symvae test cluster (tests/slurm/cluster.sh): removed by 'cluster.sh stop'
ClusterName=symvae
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP
MinJobAge=600
EOF
    mkdir -p /etc/slurm
    cp "$dir/slurm.conf" /etc/slurm/slurm.conf
    export SLURM_CONF=$dir/slurm.conf
    runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/munged.pid --force \
        || cannot "munged did not start"
    cp /run/munge/munged.pid "$dir/munged.pid"
    /usr/sbin/slurmctld -f "$SLURM_CONF" || cannot "slurmctld did not start (see $dir/log)"
    /usr/sbin/slurmd -f "$SLURM_CONF" || cannot "slurmd did not start (see $dir/log)"
    # wait until the node is idle
    for _ in $(seq 100); do
        if sinfo -h -o '%T' 2>/dev/null | grep -qx idle; then
            echo "cluster.sh: node $host idle ($cpus CPUs, $mem MB); SLURM_CONF=$SLURM_CONF"
            return 0
        fi
        sleep 0.2
    done
    stop
    cannot "the node never became idle (see $dir/log)"
}

case $cmd in
    start) start ;;
    stop) stop ;;
    *) echo "usage: cluster.sh start|stop DIR" >&2; exit 2 ;;
esac
