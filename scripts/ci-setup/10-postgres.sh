#!/usr/bin/env bash
# A private PostgreSQL 15 cluster on 127.0.0.1:55432 for the PostgreSQL store tests (idempotent: reused when running).
# Writes the connection string to /tmp/bosun-ci/postgres.env (BOSUN_TEST_POSTGRES=...), which the tests read.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1
state=/tmp/bosun-ci
data=$state/pgdata
socket=$state/pgsocket
port=55432
password=bosun-test-password
mkdir -p "$state"

if [ "$(id -u)" != "0" ]; then
  echo "not root: skipping the PostgreSQL set-up (PostgreSQL tests will say why they cannot run)"
  exit 0
fi

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin" ]; then
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends postgresql >/dev/null
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

mkdir -p "$socket"
chown postgres:postgres "$state" "$socket"
if [ ! -f "$data/PG_VERSION" ]; then
  install -d -o postgres -g postgres "$data"
  echo "$password" > "$state/pwfile" && chown postgres "$state/pwfile"
  runuser -u postgres -- "$bin/initdb" -D "$data" -U postgres --pwfile="$state/pwfile" --auth-local=trust --auth-host=scram-sha-256 -E UTF8 >/dev/null
  rm -f "$state/pwfile"
fi

if ! runuser -u postgres -- "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
  runuser -u postgres -- "$bin/pg_ctl" -D "$data" -l "$state/postgres.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $socket -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null
fi

psql_run() { runuser -u postgres -- psql -h "$socket" -p "$port" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
if [ "$(psql_run -c "SELECT 1 FROM pg_roles WHERE rolname = 'bosun'")" != "1" ]; then
  psql_run -c "CREATE ROLE bosun LOGIN CREATEDB PASSWORD '$password'"
fi
if [ "$(psql_run -c "SELECT 1 FROM pg_database WHERE datname = 'bosun'")" != "1" ]; then
  psql_run -c "CREATE DATABASE bosun OWNER bosun"
fi

echo "BOSUN_TEST_POSTGRES=Host=127.0.0.1;Port=$port;Username=bosun;Password=$password;Database=bosun" > "$state/postgres.env"
echo "PostgreSQL ready on 127.0.0.1:$port (connection string in $state/postgres.env)"
