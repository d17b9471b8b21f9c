#!/usr/bin/env bash
# Runs the whole test suite: unit, integration (real PostgreSQL) and browser tests (Debian's Chromium).
# Installs and starts what it needs. Extra arguments go to `dotnet test` (for example --filter).
set -euo pipefail
cd "$(dirname "$0")"

# shellcheck source=scripts/ensure-postgres.sh
source scripts/ensure-postgres.sh

if ! command -v chromium >/dev/null 2>&1 && [ -z "${PLAYWRIGHT_CHROMIUM:-}" ]; then
  echo "Installing Chromium with apt for the browser tests..."
  apt_install chromium
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
# --blame-hang-timeout: a test that hangs is reported (with a dump) instead of eating the whole CI time.
dotnet test WhatsAppDashboard.sln -nologo --logger "console;verbosity=normal" --blame-hang-timeout 10m "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One plain summary line across test projects ("Total tests / Passed / Failed / Skipped" blocks of `dotnet test`).
summary=$(awk '
  /^[[:space:]]*Passed:[[:space:]]*[0-9]+[[:space:]]*$/  { p += $2; seen = 1 }
  /^[[:space:]]*Failed:[[:space:]]*[0-9]+[[:space:]]*$/  { f += $2; seen = 1 }
  /^[[:space:]]*Skipped:[[:space:]]*[0-9]+[[:space:]]*$/ { s += $2; seen = 1 }
  END { if (seen) printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log")
if [ -n "$summary" ]; then
  echo "tests: $summary"
elif [ "$status" -eq 0 ]; then
  echo "error: dotnet test reported no test results" >&2
  status=1
fi
exit "$status"
