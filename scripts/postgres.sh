# shellcheck shell=bash
# Sourced by scripts/test and scripts/bench: starts a throwaway PostgreSQL
# cluster in a temp dir on a free loopback port, exports
# WEBRANA_TEST_POSTGRES_URL, and stops and removes it on exit.
# Installs Debian's postgresql package when no server binaries are present.

pg_bindir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

install_postgres() {
  if [ "$(id -u)" != 0 ]; then
    echo "postgres: server binaries missing and not root; install Debian's postgresql package" >&2
    return 1
  fi
  echo "postgres: installing Debian's postgresql package" >&2
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
}

free_port() {
  local port
  for port in $(seq "${1:-55432}" $(( ${1:-55432} + 100 ))); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

# as_pg runs a command as the cluster owner: initdb refuses to run as root.
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start_postgres() {
  if [ -n "${WEBRANA_TEST_POSTGRES_URL:-}" ]; then
    echo "postgres: using WEBRANA_TEST_POSTGRES_URL from the environment" >&2
    return 0
  fi
  local bin
  bin=$(pg_bindir)
  if [ -z "$bin" ]; then
    install_postgres || return 1
    bin=$(pg_bindir)
  fi
  [ -n "$bin" ] || { echo "postgres: no server binaries after install" >&2; return 1; }

  # A port that looked free can be taken by the time the server binds it
  # (another run starting at once): try a few.
  local port attempt
  for attempt in 1 2 3 4 5; do
    PG_TMP=$(mktemp -d /tmp/webrana-pg.XXXXXX)
    chmod 755 "$PG_TMP"
    [ "$(id -u)" = 0 ] && chown postgres: "$PG_TMP"
    port=$(free_port $((55432 + (RANDOM % 400)))) || { echo "postgres: no free loopback port" >&2; return 1; }
    as_pg "$bin/initdb" -D "$PG_TMP/data" -U postgres -A trust -E UTF8 --no-sync >"$PG_TMP/initdb.log" 2>&1 ||
      { cat "$PG_TMP/initdb.log" >&2; rm -rf "$PG_TMP"; return 1; }
    if as_pg "$bin/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w -t 60 start \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_TMP -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
      >/dev/null; then
      break
    fi
    echo "postgres: could not start on port $port (attempt $attempt):" >&2
    tail -n 3 "$PG_TMP/server.log" >&2
    rm -rf "$PG_TMP"
    PG_TMP=
    [ "$attempt" = 5 ] && return 1
  done
  PG_BIN=$bin
  export WEBRANA_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
  echo "postgres: $("$bin/postgres" --version) on 127.0.0.1:$port" >&2
  trap stop_postgres EXIT
}

stop_postgres() {
  if [ -n "${PG_TMP:-}" ] && [ -d "$PG_TMP/data" ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_TMP"
  fi
}
