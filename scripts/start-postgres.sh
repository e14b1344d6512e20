#!/usr/bin/env bash
# Starts a throw-away PostgreSQL server on 127.0.0.1 for the test suites and
# prints its URL. Usage: scripts/start-postgres.sh DIR [PORT]
# Installs PostgreSQL from Debian packages when it is missing. The server
# refuses to run as root, so it runs as the `postgres` user.
set -euo pipefail
dir=${1:?usage: start-postgres.sh DIR [PORT]}
port=${2:-54329}

pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}
if [ -z "$(pg_bin)" ]; then
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
bin=$(pg_bin)
id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql postgres

mkdir -p "$dir"
chown postgres "$dir"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
as_pg test -w "$dir" || { echo "start-postgres: the postgres user cannot write $dir (check its parents' permissions)" >&2; exit 1; }
if [ ! -f "$dir/data/PG_VERSION" ]; then
  as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
fi
as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=on" start >&2
echo "postgres://postgres@127.0.0.1:$port/postgres"
