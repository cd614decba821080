#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for the evidence-store tests (tests/evidence).
#
#   eval "$(.ci/postgres.sh)"        # install if needed, start, export JAKPATH_TEST_PG_URL
#   .ci/postgres.sh stop             # stop the server and delete its cluster
#
# Installs Debian's `postgresql` package when no server binaries are present (needs root and
# apt-get), creates a cluster under $JAKPATH_PG_DIR (default /tmp/jakpath-pg) owned by the
# `postgres` user (PostgreSQL refuses to run as root), listens on 127.0.0.1:$JAKPATH_PG_PORT
# (default 54329) only, creates the database `jakpath_test` and prints one line on stdout:
#   export JAKPATH_TEST_PG_URL=postgresql+psycopg://jakpath:PASSWORD@127.0.0.1:PORT/jakpath_test
# Everything else goes to stderr. Running it again replaces the previous throwaway cluster.
set -euo pipefail

PG_DIR=${JAKPATH_PG_DIR:-/tmp/jakpath-pg}
PG_PORT=${JAKPATH_PG_PORT:-54329}
PG_DB=jakpath_test
PG_USER=jakpath

log() { echo "postgres.sh: $*" >&2; }

find_bin() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -n "$d" && -x "$d/initdb" ]]; then echo "$d"; fi
}

# run a command as the cluster owner (postgres when we are root, else ourselves)
as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

stop_server() {
    local bin
    bin=$(find_bin)
    if [[ -n "$bin" && -f "$PG_DIR/data/postmaster.pid" ]]; then
        as_owner "$bin/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >&2 || true
    fi
    rm -rf "$PG_DIR"
}

if [[ "${1:-start}" == "stop" ]]; then
    stop_server
    log "stopped and removed $PG_DIR"
    exit 0
fi

BIN=$(find_bin)
if [[ -z "$BIN" ]]; then
    if [[ $(id -u) -ne 0 ]]; then
        log "PostgreSQL is not installed and we are not root: apt-get install -y postgresql"
        exit 1
    fi
    log "installing Debian's postgresql package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    BIN=$(find_bin)
    [[ -n "$BIN" ]] || { log "postgresql installed but initdb not found"; exit 1; }
fi

stop_server
mkdir -p "$PG_DIR"
PASSWORD=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$PASSWORD" > "$PG_DIR/pwfile"
if [[ $(id -u) -eq 0 ]]; then chown -R postgres:postgres "$PG_DIR"; fi
chmod 700 "$PG_DIR"

log "initdb in $PG_DIR/data ($BIN)"
as_owner "$BIN/initdb" -D "$PG_DIR/data" -U "$PG_USER" --pwfile="$PG_DIR/pwfile" \
    --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 --no-sync >&2
rm -f "$PG_DIR/pwfile"

# throwaway cluster: durability off for speed; TCP on loopback only; socket in PG_DIR
as_owner "$BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off \
        -c synchronous_commit=off -c full_page_writes=off -c max_connections=50" >&2

PGPASSWORD=$PASSWORD "$BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" "$PG_DB"
log "server up on 127.0.0.1:$PG_PORT, database $PG_DB (log $PG_DIR/server.log)"
echo "export JAKPATH_TEST_PG_URL=postgresql+psycopg://$PG_USER:$PASSWORD@127.0.0.1:$PG_PORT/$PG_DB"
