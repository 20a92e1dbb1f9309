#!/usr/bin/env bash
# Runs every benchmark in bench/ and prints the figures docs/PERFORMANCE.md reports.
# About 12-15 minutes on a 2-core machine; run it on a quiet machine (other load shows up as noise).
#   bench/run-all.sh                 everything
#   bench/run-all.sh ledger processes readpath claims startup backup dashboard gateway   a subset
set -euo pipefail
cd "$(dirname "$0")/.."
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(ledger processes readpath claims startup backup dashboard gateway)
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr), dotnet $(dotnet --version)"
dotnet build -c Release Autopack.sln --nologo -v quiet
for part in "${parts[@]}"; do
  echo "== $part"
  case "$part" in
    ledger)    dotnet run -c Release --no-build --project bench/Autopack.Benchmarks -- --filter '*' --job short ;;
    processes) dotnet run -c Release --no-build --project bench/Autopack.Bench.Processes ;;
    readpath)  dotnet run -c Release --no-build --project bench/Autopack.Bench.Processes -- readpath ;;
    # SQLite, and PostgreSQL on a durable throwaway cluster (fsync on) started and stopped for this part alone.
    # The trap is set first, so a start that fails half-way (initdb done, pg_ctl timed out) is cleaned up too.
    claims)    ( source .ci/postgres.sh; trap postgres_stop EXIT; postgres_start durable
                 dotnet run -c Release --no-build --project bench/Autopack.Bench.Processes -- claims ) ;;
    startup)   dotnet run -c Release --no-build --project bench/Autopack.Bench.Startup ;;
    backup)    dotnet run -c Release --no-build --project bench/Autopack.Bench.Backup ;;
    dashboard) dotnet run -c Release --no-build --project bench/Autopack.Bench.Dashboard ;;
    gateway)   dotnet run -c Release --no-build --project bench/Autopack.Bench.Gateway -- --requests 800 ;;
    *) echo "unknown part: $part (ledger, processes, readpath, claims, startup, backup, dashboard, gateway)" >&2; exit 2 ;;
  esac
done
