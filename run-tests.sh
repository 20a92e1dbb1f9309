#!/usr/bin/env bash
# Runs the whole test suite: installs the Debian packages the tests use when missing (git, sqlite3, chromium,
# chromium-driver, postgresql), starts a throwaway PostgreSQL cluster on a free 127.0.0.1 port for the PostgreSQL
# tests (stopped and deleted at the end, whatever happens), then `dotnet test Autopack.sln`. Extra arguments go to
# dotnet test.
set -euo pipefail
cd "$(dirname "$0")"
bash .ci/setup-test-deps.sh
source .ci/postgres.sh
trap postgres_stop EXIT
postgres_start
dotnet test Autopack.sln "$@"
