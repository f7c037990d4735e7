#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the metadata store tests and benchmarks: `initdb` into
# DIR/data (no fsync, trust authentication, superuser `postgres`), then a server on
# 127.0.0.1:PORT with its Unix socket in DIR. Run as root, the server runs as the `postgres`
# user (DIR is handed to it); otherwise as the calling user. Nothing is installed and nothing
# outside DIR is touched. Needs the Debian package postgresql (initdb and pg_ctl are looked up
# on PATH, then in /usr/lib/postgresql/*/bin).
#
#   test-services/postgres.sh start DIR PORT   # well under a second; prints the URL on stdout
#   test-services/postgres.sh stop DIR         # fast shutdown; DIR is left to you
#
# `start` on a running cluster prints the URL again.
set -euo pipefail

usage() {
  echo "usage: $0 start DIR PORT | stop DIR" >&2
  exit 2
}

log() { echo "postgres: $*" >&2; }

# The path of a PostgreSQL server program, from PATH or the newest Debian version directory.
find_tool() {
  local found
  if found=$(command -v "$1"); then
    echo "$found"
    return
  fi
  found=$(find /usr/lib/postgresql -path "*/bin/$1" 2>/dev/null | sort -V | tail -n 1)
  [[ -n $found ]] || { log "$1 not found: apt-get install postgresql"; exit 3; }
  echo "$found"
}

# Runs a command as the cluster's owner: `postgres` when we are root (the server refuses
# root), else ourselves.
as_owner() {
  if ((EUID == 0)); then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

running() {
  [[ -f $DIR/data/postmaster.pid ]] && as_owner "$PG_CTL" -D "$DIR/data" status >/dev/null 2>&1
}

start() {
  local port=$1 url="postgres://postgres@127.0.0.1:$1/postgres"
  if running; then
    echo "$url"
    return
  fi
  mkdir -p "$DIR"
  ((EUID == 0)) && chown postgres: "$DIR"
  if [[ ! -f $DIR/data/PG_VERSION ]]; then
    as_owner "$(find_tool initdb)" --no-sync -A trust -U postgres -E UTF8 --locale=C -D "$DIR/data" >"$DIR/initdb.log" 2>&1 \
      || { log "initdb failed; see $DIR/initdb.log"; exit 1; }
  fi
  as_owner "$PG_CTL" -D "$DIR/data" -l "$DIR/server.log" -w -t 30 \
    -o "-p $port -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || { log "the server did not start; see $DIR/server.log"; exit 1; }
  echo "$url"
}

stop() {
  running || return 0
  as_owner "$PG_CTL" -D "$DIR/data" -m fast -w -t 30 stop >/dev/null
}

[[ $# -ge 2 ]] || usage
DIR=$(realpath -m "$2")
PG_CTL=$(find_tool pg_ctl)
case $1 in
  start)
    [[ $# -eq 3 && $3 =~ ^[0-9]+$ ]] || usage
    start "$3"
    ;;
  stop) stop ;;
  *) usage ;;
esac
