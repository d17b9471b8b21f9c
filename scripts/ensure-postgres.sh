#!/usr/bin/env bash
# Sourced by run.sh and test.sh. Makes sure a PostgreSQL server is reachable and exports
# ConnectionStrings__Default. If ConnectionStrings__Default is already set, it is used as is.
# Otherwise a local PostgreSQL is installed with apt if missing, started, and given a `wad` role
# (password `wad`, CREATEDB, local connections only: a development default, never for production).

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "error: '$*' needs root and sudo is not available. Set ConnectionStrings__Default to an existing PostgreSQL instead." >&2
    return 1
  fi
}

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

apt_updated=""
apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: $* is not installed and there is no apt-get here. Install it, or set ConnectionStrings__Default." >&2
    return 1
  fi
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_postgres() {
  if [ -n "${ConnectionStrings__Default:-}" ]; then
    echo "Using the PostgreSQL from ConnectionStrings__Default."
    return 0
  fi
  if ! command -v pg_lsclusters >/dev/null 2>&1; then
    echo "Installing PostgreSQL with apt..."
    apt_install postgresql
  fi
  local cluster
  cluster=$(pg_lsclusters --no-header | head -n 1)
  if [ -z "$cluster" ]; then
    echo "Creating a PostgreSQL cluster..."
    local version
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    as_root pg_createcluster "$version" main >/dev/null
    cluster=$(pg_lsclusters --no-header | head -n 1)
  fi
  local version name status
  read -r version name _ status _ <<<"$cluster"
  if [ "$status" != "online" ]; then
    echo "Starting PostgreSQL $version/$name..."
    as_root pg_ctlcluster "$version" "$name" start
  fi
  for _ in $(seq 1 30); do
    as_postgres psql -qtAc "select 1" >/dev/null 2>&1 && break
    sleep 0.5
  done
  if [ "$(as_postgres psql -qtAc "select 1 from pg_roles where rolname = 'wad'")" != "1" ]; then
    as_postgres psql -qc "create role wad login createdb password 'wad'" >/dev/null
  fi
  # Lets the tests drop their databases WITH (FORCE) even while an autovacuum worker is in one.
  as_postgres psql -qc "grant pg_signal_backend to wad" >/dev/null 2>&1 || true
  local port
  port=$(pg_lsclusters --no-header | awk -v v="$version" -v n="$name" '$1==v && $2==n {print $3}')
  export ConnectionStrings__Default="Host=localhost;Port=${port:-5432};Database=whatsapp_dashboard;Username=wad;Password=wad"
}

ensure_postgres
