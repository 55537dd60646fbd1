#!/usr/bin/env bash
# Make sure a RabbitMQ broker answers at AMQP_URI: start the local one if it is
# installed, install Debian's package if we are root, or say exactly what to do.
set -euo pipefail

uri="${AMQP_URI:-amqp://guest:guest@localhost:5672/}"
hostport="$(sed -E 's#^[a-z]+://([^@/]*@)?([^/:]+)(:([0-9]+))?.*#\2 \4#' <<<"$uri")"
host="${hostport%% *}"; port="${hostport##* }"; port="${port:-5672}"

answers() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }
wait_for_broker() {
  for _ in $(seq 1 120); do
    if answers && { ! command -v rabbitmqctl >/dev/null || rabbitmqctl -q await_startup >/dev/null 2>&1; }; then
      return 0
    fi
    sleep 1
  done
  echo "RabbitMQ did not come up within 120 s; see /var/log/rabbitmq/" >&2
  return 1
}

if answers; then exit 0; fi

case "$host" in
  localhost|127.0.0.1|::1) ;;
  *) echo "No RabbitMQ broker answers at $host:$port (AMQP_URI=$uri). Start that broker, or unset AMQP_URI to use a local one." >&2; exit 1 ;;
esac

if ! command -v rabbitmq-server >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's rabbitmq-server (once)..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >/dev/null || true
  else
    cat >&2 <<MSG
No RabbitMQ broker answers at $host:$port, and rabbitmq-server is not installed.
Install and start it:    sudo apt-get install -y rabbitmq-server && sudo rabbitmq-server -detached
or point AMQP_URI at a broker you have:  export AMQP_URI=amqp://user:password@host:5672/
MSG
    exit 1
  fi
fi

if answers; then exit 0; fi  # the package's own start may have done it
echo "Starting the local RabbitMQ broker..."
rabbitmq-server -detached >/dev/null 2>&1 || true
wait_for_broker
