#!/usr/bin/env bash
# Makes sure every database the tests talk to is up: PostgreSQL, Redis, MariaDB and
# FerretDB (the MongoDB-wire server). Starts what is down with the machine's own
# commands and waits for each by polling, never by sleeping a fixed time.
set -euo pipefail

log() { printf '[services] %s\n' "$*"; }

# wait_for NAME TIMEOUT_S COMMAND...: polls COMMAND until it succeeds.
wait_for() {
  local name=$1 timeout=$2; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then log "$name did not become ready in ${timeout}s"; return 1; fi
    read -r -t 0.2 <> <(:) || true
  done
  log "$name ready"
}

apt_updated=0
need_pkg() {
  local bin=$1 pkg=$2
  command -v "$bin" >/dev/null 2>&1 && return 0
  if ((apt_updated == 0)); then apt-get update -qq; apt_updated=1; fi
  log "installing $pkg"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null
}

need_pkg redis-server redis-server
need_pkg redis-cli redis-tools
need_pkg pg_isready postgresql
need_pkg mysqladmin mariadb-client

# PostgreSQL
if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  log "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
wait_for postgres 60 pg_isready -h 127.0.0.1 -p 5432 -q
psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='test'" | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE test" >/dev/null

# Redis
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  log "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi
wait_for redis 30 redis-cli -h 127.0.0.1 -p 6379 ping

# MariaDB
if ! mysqladmin -h 127.0.0.1 -u root ping >/dev/null 2>&1; then
  log "starting MariaDB"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
fi
wait_for mariadb 60 mysqladmin -h 127.0.0.1 -u root ping
mysql -h 127.0.0.1 -u root -e "CREATE DATABASE IF NOT EXISTS test" >/dev/null

# FerretDB (MongoDB wire protocol), unless MONGODB_URL points at a real MongoDB.
if [[ -z "${MONGODB_URL:-}" ]]; then
  bash "$(dirname "$0")/ferretdb.sh" start 27017
fi
log "all services up"
