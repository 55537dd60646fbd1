#!/usr/bin/env bash
# A logical dump of the whole database (every service's schema and the vault) every
# PEERNET_BACKUP_HOURS (24), kept PEERNET_BACKUP_KEEP_DAYS (14). Restore with pg_restore
# (deploy/README.md), then re-apply forgettings made since the dump.
set -euo pipefail
export PGPASSWORD="$POSTGRES_PASSWORD"
while true; do
  stamp="$(date -u +%Y%m%dT%H%M%SZ)"
  if pg_dump --host=postgres --username=peernet --dbname=peernet --format=custom \
      --file="/backups/peernet-$stamp.dump.partial"; then
    mv "/backups/peernet-$stamp.dump.partial" "/backups/peernet-$stamp.dump"
    echo "backup /backups/peernet-$stamp.dump"
  else
    echo "backup failed at $stamp" >&2
  fi
  find /backups -name 'peernet-*.dump*' -mtime "+${PEERNET_BACKUP_KEEP_DAYS:-14}" -delete
  sleep "$(( ${PEERNET_BACKUP_HOURS:-24} * 3600 ))"
done
