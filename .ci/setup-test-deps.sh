#!/usr/bin/env bash
# Debian packages the test suite uses (git for the runs' worktrees, sqlite3, chromium and its driver, python3 for the
# stand-in external agent, libisal2 for the backup's deflate, a C toolchain and zlib1g-dev for the Native AOT front the
# published autopack carries); installs only what is missing (needs root or sudo).
set -euo pipefail
missing=()
command -v git >/dev/null 2>&1 || missing+=(git)
command -v sqlite3 >/dev/null 2>&1 || missing+=(sqlite3)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
dpkg -s libisal2 >/dev/null 2>&1 || missing+=(libisal2)
command -v clang >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || missing+=(clang)
dpkg -s zlib1g-dev >/dev/null 2>&1 || missing+=(zlib1g-dev)
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
