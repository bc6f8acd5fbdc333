#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for tests and benchmarks, on a free loopback port in a temporary folder.
#
#   bash scripts/postgres-test-cluster.sh start [DIR]   # prints one line: postgres://postgres:PASSWORD@127.0.0.1:PORT/postgres
#   bash scripts/postgres-test-cluster.sh stop DIR      # stops the server and removes DIR
#
# Installs Debian `postgresql` when its binaries are missing (through scripts/setup-system.sh, root only). As root
# the cluster runs as the `postgres` user (initdb refuses root); otherwise as the current user. Password
# authentication (scram-sha-256) on 127.0.0.1 only; the password is $SEGMENT_PG_PASSWORD or a fixed test value.
# The data folder, the socket and the server log (DIR/server.log) all live in DIR.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cmd="${1:-}"
password="${SEGMENT_PG_PASSWORD:-segment-pg-s3cret}"

# The newest /usr/lib/postgresql/<version>/bin (Debian), else initdb on PATH, else install Debian postgresql.
pg_bin() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if { [ -z "$dir" ] || [ ! -x "$dir/initdb" ]; } && command -v initdb >/dev/null 2>&1; then
    dir="$(dirname "$(command -v initdb)")"
  fi
  if [ -z "$dir" ] || [ ! -x "$dir/initdb" ]; then
    bash "$here/setup-system.sh" postgresql >&2
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  fi
  if [ -z "$dir" ] || [ ! -x "$dir/initdb" ]; then
    echo "postgres-test-cluster: no initdb under /usr/lib/postgresql/*/bin after installing postgresql" >&2
    exit 1
  fi
  echo "$dir"
}

# Run a command as the cluster owner.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

case "$cmd" in
  start)
    bin="$(pg_bin)"
    if [ "$(id -u)" = 0 ] && ! getent passwd postgres >/dev/null; then
      echo "postgres-test-cluster: running as root but there is no 'postgres' user (install Debian postgresql)" >&2
      exit 1
    fi
    dir="${2:-}"
    if [ -z "$dir" ]; then dir="$(mktemp -d "${TMPDIR:-/tmp}/segment-pg-XXXXXX")"; else mkdir -p "$dir"; fi
    if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
    chmod 700 "$dir"
    if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -w "$dir"; then
      echo "postgres-test-cluster: the postgres user cannot write to $dir (a parent folder is private); set TMPDIR=/tmp" >&2
      exit 1
    fi
    pwfile="$dir/pwfile"
    printf '%s\n' "$password" >"$pwfile"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$pwfile"; fi
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$pwfile" --auth-local=scram-sha-256 \
      --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 || {
      echo "postgres-test-cluster: initdb failed, see $dir/initdb.log" >&2
      tail -n 5 "$dir/initdb.log" >&2
      exit 1
    }
    rm -f "$pwfile"
    # A port can be taken between the probe and the bind: retry a few times.
    for attempt in 1 2 3 4 5; do
      port="$(free_port)"
      if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null 2>&1; then
        echo "postgres://postgres:${password}@127.0.0.1:${port}/postgres"
        exit 0
      fi
      sleep 0.2
    done
    echo "postgres-test-cluster: the server did not start, see $dir/server.log" >&2
    tail -n 5 "$dir/server.log" >&2 || true
    exit 1
    ;;
  stop)
    dir="${2:?usage: postgres-test-cluster.sh stop DIR}"
    if [ -d "$dir/data" ]; then
      bin="$(pg_bin)"
      as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: postgres-test-cluster.sh start [DIR] | stop DIR" >&2
    exit 2
    ;;
esac
