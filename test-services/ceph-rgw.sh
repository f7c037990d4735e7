#!/usr/bin/env bash
# A throwaway single-node Ceph cluster with a RADOS Gateway, for the S3 blob store tests and
# benchmarks: one monitor, one `memstore` OSD (data in RAM, gone at stop) and RGW on
# 127.0.0.1:PORT, with authentication off between daemons and a fixed S3 test user. Every
# file (config, monitor store, logs, sockets, pid files) lives under DIR: nothing is read from
# or written to /etc/ceph or /var/lib/ceph, and nothing is installed. Needs the Debian packages
# ceph-mon ceph-osd radosgw ceph-common.
#
#   test-services/ceph-rgw.sh start DIR PORT   # ~15 s; prints `export …` lines on stdout
#   test-services/ceph-rgw.sh stop DIR         # stops the daemons by pid; DIR is left to you
#
# `start` on a running cluster prints the same lines again. The monitor listens on
# 127.0.0.1:$CEPH_MON_PORT (default PORT+1); the OSD takes free ports in 6800-7300.
set -euo pipefail

readonly ACCESS_KEY=repoman-test-access-key
readonly SECRET_KEY=repoman-test-secret-key-0123456789abcdef
readonly RGW_NAME=client.rgw.repoman

usage() {
  echo "usage: $0 start DIR PORT | stop DIR" >&2
  exit 2
}

log() { echo "ceph-rgw: $*" >&2; }

# True if process $1 runs. A zombie does not count: the daemons fork, and in a container
# whose init does not reap, their exited processes linger as zombies that `kill -0` accepts.
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  [[ ${stat##*) } != Z* ]]
}

# The pid in DIR/run/NAME.pid if that process is alive, else nothing.
live_pid() {
  local file="$DIR/run/$1.pid" pid
  [[ -s $file ]] || return 1
  pid=$(<"$file")
  alive "$pid" || return 1
  echo "$pid"
}

print_exports() {
  local endpoint="http://127.0.0.1:$1"
  cat <<EOF
export S3_ENDPOINT=$endpoint
export S3_REGION=us-east-1
export S3_ACCESS_KEY_ID=$ACCESS_KEY
export S3_SECRET_ACCESS_KEY=$SECRET_KEY
export REPOMAN_STORAGE_DRIVER=s3
export REPOMAN_STORAGE_ENDPOINT=$endpoint
export REPOMAN_STORAGE_REGION=us-east-1
export REPOMAN_STORAGE_ACCESS_KEY_ID=$ACCESS_KEY
export REPOMAN_STORAGE_SECRET_ACCESS_KEY=$SECRET_KEY
export REPOMAN_STORAGE_FORCE_PATH_STYLE=true
EOF
}

write_config() {
  local fsid=$1 mon_port=$2 rgw_port=$3
  cat >"$CONF" <<EOF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
public network = 127.0.0.0/8
run dir = $DIR/run
admin socket = $DIR/run/\$name.asok
log file = $DIR/log/\$name.log
pid file = $DIR/run/\$name.pid
keyring = /dev/null
# No cephx, and every messenger in CRC mode (with auth none, a "secure" mode makes RGW hang).
auth cluster required = none
auth service required = none
auth client required = none
ms cluster mode = crc secure
ms service mode = crc secure
ms client mode = crc secure
ms mon cluster mode = crc secure
ms mon service mode = crc secure
ms mon client mode = crc secure
# One OSD: pools of size 1, placement across OSDs rather than hosts, few PGs, no autoscaler.
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon warn on pool no redundancy = false
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon data avail warn = 1
mon data avail crit = 0
# Deleted and overwritten RGW data is kept this long for reads in progress (default 2 h), in RAM.
rgw gc obj min wait = 300
# Commit map changes at once rather than batching them for a second: pools appear faster.
paxos propose interval = 0.01
paxos min wait = 0.01

[mon]
mon data = $DIR/mon/\$cluster-\$id

[osd]
osd data = $DIR/osd/\$cluster-\$id
osd objectstore = memstore
# An upper bound, not an allocation: room for a few GiB of test objects.
memstore device bytes = 17179869184

[$RGW_NAME]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port tcp_nodelay=1
rgw data = $DIR/rgw
rgw dns name = 127.0.0.1
EOF
}

start() {
  local port=$1 mon_port=${CEPH_MON_PORT:-$(($1 + 1))}
  if live_pid "$RGW_NAME" >/dev/null; then
    print_exports "$port"
    return
  fi
  stop_daemons
  rm -rf "$DIR/mon" "$DIR/osd" "$DIR/rgw" "$DIR/run" "$DIR/log"
  mkdir -p "$DIR/mon" "$DIR/osd/ceph-0" "$DIR/rgw" "$DIR/run" "$DIR/log"
  STARTUP_LOG=$DIR/log/startup.log
  local fsid
  fsid=$(cat /proc/sys/kernel/random/uuid)
  write_config "$fsid" "$mon_port" "$port"

  log "monitor on 127.0.0.1:$mon_port"
  monmaptool --create --clobber --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$DIR/monmap" >/dev/null
  ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap" 2>>"$STARTUP_LOG"
  ceph-mon -c "$CONF" -i a 2>>"$STARTUP_LOG"

  log "memstore OSD"
  local osd_uuid
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  ceph -c "$CONF" osd new "$osd_uuid" >/dev/null
  ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$osd_uuid" 2>>"$STARTUP_LOG"
  ceph-osd -c "$CONF" -i 0 2>>"$STARTUP_LOG"

  log "RADOS Gateway on 127.0.0.1:$port"
  radosgw -c "$CONF" -n "$RGW_NAME" 2>>"$STARTUP_LOG"
  radosgw-admin -c "$CONF" user create --uid=repoman-test --display-name="Repoman tests" \
    --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >/dev/null

  # RGW answers an anonymous GET / with 200 once its pools exist.
  local deadline=$((SECONDS + 60))
  until curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null; do
    if ((SECONDS > deadline)) || ! live_pid "$RGW_NAME" >/dev/null; then
      log "RGW did not come up; see $DIR/log/"
      exit 1
    fi
    sleep 0.2
  done
  print_exports "$port"
}

# SIGKILLs every daemon and waits until they are gone. Nothing needs a clean shutdown (the OSD
# keeps its data in RAM and the cluster is thrown away), and a SIGTERM takes RGW and
# sometimes the OSD several seconds.
stop_daemons() {
  local name pid pids=()
  for name in "$RGW_NAME" osd.0 mon.a; do
    if pid=$(live_pid "$name"); then
      pids+=("$pid")
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$DIR/run/$name.pid"
  done
  for pid in "${pids[@]}"; do
    while alive "$pid"; do sleep 0.05; done
  done
}

[[ $# -ge 2 ]] || usage
DIR=$(realpath -m "$2")
CONF=$DIR/ceph.conf
case $1 in
  start)
    [[ $# -eq 3 && $3 =~ ^[0-9]+$ ]] || usage
    for tool in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph curl; do
      command -v "$tool" >/dev/null || { log "$tool not found: apt-get install ceph-mon ceph-osd radosgw ceph-common curl"; exit 3; }
    done
    mkdir -p "$DIR"
    start "$3"
    ;;
  stop) stop_daemons ;;
  *) usage ;;
esac
