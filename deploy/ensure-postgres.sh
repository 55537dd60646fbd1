#!/usr/bin/env bash
# Make sure PostgreSQL answers for the test suite (and for PEERNET_STORE=postgres):
# start the local cluster if installed, install Debian's package if we are root.
set -euo pipefail

host="${POSTGRES_HOST:-127.0.0.1}"; port="${POSTGRES_PORT:-5432}"
answers() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }
if answers; then exit 0; fi

case "$host" in
  localhost|127.0.0.1|::1) ;;
  *) echo "No PostgreSQL answers at $host:$port. Start it, or unset POSTGRES_HOST to use a local one." >&2; exit 1 ;;
esac

installed_here=no
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's postgresql (once)..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || true
    installed_here=yes
  else
    cat >&2 <<MSG
No PostgreSQL answers at $host:$port, and it is not installed. The test suite runs every
store test on SQLite and on PostgreSQL. Install and start it:
  sudo apt-get install -y postgresql && sudo pg_ctlcluster \$(ls /etc/postgresql) main start
MSG
    exit 1
  fi
fi

version="$(ls /etc/postgresql | sort -n | tail -1)"
if [ "$installed_here" = yes ]; then
  # A development cluster made by us: let local connections in without a password.
  sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "/etc/postgresql/$version/main/pg_hba.conf"
fi
echo "Starting the local PostgreSQL cluster..."
pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
for _ in $(seq 1 60); do answers && exit 0; sleep 1; done
echo "PostgreSQL did not come up within 60 s; see /var/log/postgresql/" >&2
exit 1
