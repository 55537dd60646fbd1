#!/usr/bin/env bash
# Make sure Node.js (20.19 or later) and npm are here: the web pages serve USWDS and htmx
# from node_modules/, and the browser tests run an OpenID Connect provider (oidc-provider 9)
# on Node. Installs Debian's packages if we are root, or says exactly what to do.
set -euo pipefail

MINIMUM=20.19

apt_install() {
  # apt-get update once: not again if another step of this make run just did it.
  if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -60 2>/dev/null | head -1)" ]; then
    apt-get update -qq
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

can_install() { [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; }

if ! command -v node >/dev/null 2>&1; then
  if can_install; then
    echo "Installing Debian's nodejs and npm (once)..."
    apt_install nodejs npm
  else
    echo "Node.js is missing (the web pages' assets and the browser tests need it): sudo apt-get install -y nodejs npm" >&2
    exit 1
  fi
fi

if ! command -v npm >/dev/null 2>&1; then
  if can_install; then
    echo "Installing Debian's npm (once)..."
    apt_install npm
  else
    echo "npm is missing: sudo apt-get install -y npm" >&2
    exit 1
  fi
fi

version="$(node -p 'process.versions.node')"
if ! node -e "const [a, b] = process.versions.node.split('.').map(Number), [x, y] = '$MINIMUM'.split('.').map(Number);
              process.exit(a > x || (a === x && b >= y) ? 0 : 1)"; then
  cat >&2 <<MSG
Node.js $version is too old: the browser tests' OpenID Connect provider (oidc-provider 9) needs
Node.js $MINIMUM or later. Debian 13 (trixie) ships it (sudo apt-get install -y nodejs npm);
on Debian 12 use NodeSource's nodejs 20 or 22 (https://github.com/nodesource/distributions).
MSG
  exit 1
fi
