#!/usr/bin/env bash
# Debian packages the tests need: exiftool (libimage-exiftool-perl), the independent oracle.
# Idempotent and quick when present; runs apt-get update at most once. Expects root (CI, containers).
set -euo pipefail

need=()
command -v exiftool >/dev/null 2>&1 || need+=(libimage-exiftool-perl)
command -v setpriv >/dev/null 2>&1 || need+=(util-linux)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "setup-test-deps: missing ${need[*]}; run as root or install them: apt-get install ${need[*]}" >&2
  exit 1
fi

echo "setup-test-deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
