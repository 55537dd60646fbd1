#!/usr/bin/env bash
# The streaming replica: copied from the primary once (pg_basebackup -R writes the standby's
# settings), then a hot standby that follows the primary's WAL. Promote it with
# `docker compose exec postgres-replica gosu postgres pg_ctl promote` if the primary is lost.
set -euo pipefail
mkdir -p "$PGDATA" && chown postgres:postgres "$PGDATA" && chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  export PGPASSWORD="$POSTGRES_REPLICATION_PASSWORD"
  until gosu postgres pg_basebackup --host=postgres --username=replicator --pgdata="$PGDATA" \
      --write-recovery-conf --wal-method=stream --checkpoint=fast; do
    echo "waiting for the primary..." >&2
    rm -rf "${PGDATA:?}"/*
    sleep 3
  done
fi
exec gosu postgres postgres -c hot_standby=on
