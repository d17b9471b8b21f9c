#!/usr/bin/env bash
# Starts the dashboard on http://localhost:5000 in Development mode with a local PostgreSQL.
# Safe to run again: it only installs, creates or migrates what is missing.
set -euo pipefail
cd "$(dirname "$0")"

# shellcheck source=scripts/ensure-postgres.sh
source scripts/ensure-postgres.sh

if [ ! -f WhatsAppDashboard/appsettings.Development.json ]; then
  cp appsettings.Development.json.example WhatsAppDashboard/appsettings.Development.json
fi

export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
echo "Building (restores NuGet and npm packages on first run)..."
dotnet build WhatsAppDashboard/WhatsAppDashboard.csproj -nologo -v quiet -clp:ErrorsOnly
dotnet run --project WhatsAppDashboard --no-build --no-launch-profile -- migrate

url="${DASHBOARD_URL:-http://localhost:5000}"
echo
echo "Starting the dashboard: open $url and sign in."
echo "On the very first start the administrator's email and password are printed below, once."
echo "Lost it? Create another admin: ASPNETCORE_ENVIRONMENT=Development dotnet run --project WhatsAppDashboard -- create-admin --email you@example.com --password 'at-least-10-chars'"
echo
exec dotnet run --project WhatsAppDashboard --no-build --no-launch-profile --urls "$url"
