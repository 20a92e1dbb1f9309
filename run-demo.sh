#!/usr/bin/env bash
# Sets up and runs Autopack: publishes the autopack command, then `autopack demo` in artifacts/demo
# (migrates a fresh database, starts the server on 127.0.0.1:8000, submits examples/demo-plan.json and
# executes it on the offline provider). Keeps serving until Ctrl+C. Extra arguments go to `autopack demo`.
set -euo pipefail
cd "$(dirname "$0")"
dotnet publish src/Autopack.Cli -c Release -o artifacts/autopack --nologo -v quiet
mkdir -p artifacts/demo
cd artifacts/demo
exec ../autopack/autopack demo "$@"
