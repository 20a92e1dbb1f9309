#!/usr/bin/env bash
# Runs the whole test suite: installs the Debian packages the tests use when missing (sqlite3, chromium,
# chromium-driver), then `dotnet test Autopack.sln`. Extra arguments go to dotnet test.
set -euo pipefail
cd "$(dirname "$0")"
bash .ci/setup-test-deps.sh
dotnet test Autopack.sln "$@"
