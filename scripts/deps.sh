#!/usr/bin/env bash
# deps.sh: install the Debian 12 packages Ridge builds, runs and tests with.
# Idempotent: installs only what is missing. Needs root (or sudo).
set -euo pipefail
pkgs=(build-essential cmake pkg-config git libcjson-dev libmicrohttpd-dev libpq-dev
      postgresql libomp-dev ca-certificates curl chromium wrk hyperfine
      iverilog yosys verilator opensta qflow-tech-osu018)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and Python may come from elsewhere (a NodeSource nodejs bundles its
# own npm, which conflicts with Debian's npm package): ask only for what is
# really absent. CLI tests use python3 to write and read float32 files.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
