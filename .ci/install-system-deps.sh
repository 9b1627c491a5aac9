#!/usr/bin/env bash
# System packages of the system tests: a single-node SLURM for tests/test_slurm.py
# (slurm-wlm, munge) and headless Chromium for the browser test (chromium).
# Debian/Ubuntu; as root, or through sudo. Idempotent and quiet: does nothing when all
# are installed, else one `apt-get update` and an install of what is missing.
set -euo pipefail

PACKAGES=(slurm-wlm munge chromium)

missing=()
for pkg in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done
((${#missing[@]} == 0)) && exit 0

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || {
        echo "install-system-deps: need root (or sudo) to install ${missing[*]}" >&2
        exit 1
    }
    SUDO=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
echo "install-system-deps: installed ${missing[*]}"
