#!/usr/bin/env bash
# Dump the hub database to $YIZHAN_BACKUP_DIR/hub-YYYY-MM-DD.dump (pg_dump custom format,
# compressed; restore with pg_restore — docs/deployment.md), then drop dumps older than
# $YIZHAN_BACKUP_KEEP_DAYS days. A dump is written to a temporary name and renamed only when
# pg_dump succeeded, so a half-written file never looks like a backup.
set -euo pipefail
DB="${YIZHAN_HUB_DBNAME:-yizhan_hub}"
DIR="${YIZHAN_BACKUP_DIR:-/var/backups/yizhan-hub}"
KEEP="${YIZHAN_BACKUP_KEEP_DAYS:-14}"
umask 077
mkdir -p "$DIR"
target="$DIR/hub-$(date +%F).dump"
pg_dump --format=custom --file="$target.partial" ${PGHOST:+--host="$PGHOST"} ${PGPORT:+--port="$PGPORT"} "$DB"
mv -f "$target.partial" "$target"
find "$DIR" -maxdepth 1 -name 'hub-*.dump' -mtime +"$KEEP" -delete
echo "backup: $target ($(du -h "$target" | cut -f1))"
