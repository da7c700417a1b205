#!/usr/bin/env bash
# Installs the system packages pgcadence needs (Debian/Ubuntu), or, when not root,
# says exactly which ones to install. Quiet when everything is already there.
set -euo pipefail

# chromium: the admin console's browser tests (Playwright drives this one; it downloads none)
PACKAGES=(postgresql-15 postgresql-15-cron postgresql-15-pgtap postgresql-client-15 chromium)
missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "pgcadence needs PostgreSQL 15 with pg_cron and pgTAP (and chromium for its browser tests); install: ${missing[*]} (or your system's equivalents)" >&2
    exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "pgcadence needs these system packages: ${missing[*]}" >&2
    echo "install them with:  sudo apt-get install -y ${missing[*]}   then run make again" >&2
    exit 1
fi
echo "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's package starts a default cluster on 5432; pgcadence runs its own, so stop it.
if command -v pg_ctlcluster >/dev/null 2>&1 && pg_lsclusters -h 2>/dev/null | grep -q '^15 *main .*online'; then
    pg_ctlcluster 15 main stop || true
fi
