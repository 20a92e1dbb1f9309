#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests (SPEC "Past one machine"): Debian's postgresql package (installed when
# missing), initdb and pg_ctl run as the postgres user, a free port on 127.0.0.1 only, trust auth on loopback.
#   source .ci/postgres.sh && postgres_start   -> exports AUTOPACK_TEST_POSTGRES (an Npgsql connection string)
#   postgres_start durable                     -> the same with fsync and synchronous commit on (benchmarks: a
#                                                 server as an operator runs it; the tests' cluster skips both)
#   postgres_stop                              -> stops the cluster and deletes its folder
# Used by run-tests.sh; nothing else is started or stopped, and the cluster is stopped by its own data folder.

postgres_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

postgres_install() {
  if [ -n "$(postgres_bin)" ] && [ -x "$(postgres_bin)/initdb" ]; then
    return 0
  fi
  local sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  # Debian's package creates and starts a default cluster on 5432; the tests never use it.
}

# Runs a command as the postgres user (the server refuses to run as root).
as_postgres() {
  if [ "$(id -un)" = "postgres" ]; then
    "$@"
  elif [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    sudo -u postgres -- "$@"
  fi
}

postgres_free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

postgres_start() {
  local unsafe_writes="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  [ "${1:-}" = "durable" ] && unsafe_writes=""
  postgres_install
  local bin
  bin="$(postgres_bin)"
  AUTOPACK_PG_DIR="$(mktemp -d /tmp/autopack-pg.XXXXXX)"
  chmod 755 "$AUTOPACK_PG_DIR"
  chown postgres "$AUTOPACK_PG_DIR" 2>/dev/null || sudo chown postgres "$AUTOPACK_PG_DIR"
  as_postgres "$bin/initdb" -D "$AUTOPACK_PG_DIR/data" -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
  local port attempt
  for attempt in 1 2 3 4 5; do
    port="$(postgres_free_port)"
    if as_postgres "$bin/pg_ctl" -D "$AUTOPACK_PG_DIR/data" -l "$AUTOPACK_PG_DIR/server.log" -w -t 60 \
        -o "-p $port -c listen_addresses=127.0.0.1 -k $AUTOPACK_PG_DIR $unsafe_writes -c max_connections=300" \
        start >/dev/null; then
      export AUTOPACK_PG_DIR
      export AUTOPACK_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
      echo "postgres: throwaway cluster on 127.0.0.1:$port ($AUTOPACK_PG_DIR)"
      return 0
    fi
  done
  echo "postgres: could not start a throwaway cluster; see $AUTOPACK_PG_DIR/server.log" >&2
  return 1
}

postgres_stop() {
  if [ -n "${AUTOPACK_PG_DIR:-}" ] && [ -d "$AUTOPACK_PG_DIR/data" ]; then
    as_postgres "$(postgres_bin)/pg_ctl" -D "$AUTOPACK_PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$AUTOPACK_PG_DIR"
  fi
}
