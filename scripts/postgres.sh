#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite, on 127.0.0.1 only.
#   scripts/postgres.sh start   # initdb (once) + start; creates role and database `nhacviec`
#   scripts/postgres.sh stop    # stops it (the data folder stays for the next start)
#   scripts/postgres.sh url     # prints the TEST_DATABASE_URL to use
# Needs Debian's `postgresql` package (apt-get install -y postgresql). Runs the server as the `postgres` OS user
# when invoked as root (PostgreSQL refuses to run as root). Settings via env: PGTEST_DIR, PGTEST_PORT.
set -euo pipefail

PGTEST_DIR="${PGTEST_DIR:-/tmp/nhacviec-pgtest}"
PGTEST_PORT="${PGTEST_PORT:-54329}"
ROLE=nhacviec
DB=nhacviec

bindir() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
  if [ -z "$dir" ] || [ ! -x "$dir/initdb" ]; then
    echo "PostgreSQL server not installed: apt-get install -y postgresql" >&2
    exit 1
  fi
  echo "$dir"
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

url() {
  echo "postgresql+asyncpg://${ROLE}@127.0.0.1:${PGTEST_PORT}/${DB}"
}

start() {
  local bin
  bin="$(bindir)"
  if [ ! -s "$PGTEST_DIR/data/PG_VERSION" ]; then
    mkdir -p "$PGTEST_DIR"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$PGTEST_DIR"
    as_owner "$bin/initdb" -D "$PGTEST_DIR/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if as_owner "$bin/pg_ctl" -D "$PGTEST_DIR/data" status >/dev/null 2>&1; then
    :
  else
    # A test server: no durability needed, so no fsync; sockets only in our folder; TCP on loopback only.
    as_owner "$bin/pg_ctl" -D "$PGTEST_DIR/data" -l "$PGTEST_DIR/server.log" -w -t 60 \
      -o "-h 127.0.0.1 -p $PGTEST_PORT -k $PGTEST_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null
  fi
  local psql=("$bin/psql" -h 127.0.0.1 -p "$PGTEST_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt)
  if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname='$ROLE'")" != 1 ]; then
    "${psql[@]}" -c "CREATE ROLE $ROLE LOGIN CREATEDB"
  fi
  if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname='$DB'")" != 1 ]; then
    "${psql[@]}" -c "CREATE DATABASE $DB OWNER $ROLE"
  fi
  echo "PostgreSQL on 127.0.0.1:$PGTEST_PORT ($PGTEST_DIR); TEST_DATABASE_URL=$(url)" >&2
}

stop() {
  local bin
  bin="$(bindir)"
  if [ -s "$PGTEST_DIR/data/PG_VERSION" ] && as_owner "$bin/pg_ctl" -D "$PGTEST_DIR/data" status >/dev/null 2>&1; then
    as_owner "$bin/pg_ctl" -D "$PGTEST_DIR/data" -m fast -w stop >/dev/null
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) url ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
