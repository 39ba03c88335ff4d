#!/usr/bin/env bash
# Create the hub's PostgreSQL role and database on this machine (Debian's `postgresql` package).
# The hub runs as the system user `yizhan` and connects over the local socket with peer
# authentication: no password to store anywhere. Run as root, once:
#   deploy/postgresql-setup.sh [DBNAME]
set -euo pipefail
DB="${1:-yizhan_hub}"
id yizhan >/dev/null 2>&1 || useradd --system --home-dir /var/lib/yizhan-hub --shell /usr/sbin/nologin yizhan
runuser -u postgres -- psql -v ON_ERROR_STOP=1 -q <<SQL
SELECT 'CREATE ROLE yizhan LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'yizhan')\gexec
SELECT 'CREATE DATABASE "$DB" OWNER yizhan ENCODING ''UTF8'' TEMPLATE template0'
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$DB')\gexec
SQL
echo "database $DB ready; hub URL: postgresql+psycopg://yizhan@/$DB?host=/var/run/postgresql"
