#!/usr/bin/env bash
# Installs the Debian packages named as arguments (binary:package pairs) when their binary is missing.
# CI machines start with none of them. Usage: bash .ci/apt-deps.sh chromium:chromium redis-server:redis-server
set -euo pipefail
need=()
for pair in "$@"; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
if [ "${#need[@]}" -eq 0 ]; then
  echo "apt: nothing to install"
  exit 0
fi
echo "apt: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
