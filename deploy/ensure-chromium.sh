#!/usr/bin/env bash
# Make sure Chromium is here for the browser tests (tests/web): Debian's package, launched by
# its path (Playwright's own browser download is not used). PEERNET_CHROMIUM names another one.
set -euo pipefail

chromium="${PEERNET_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$chromium" ]; then exit 0; fi

if [ -n "${PEERNET_CHROMIUM:-}" ]; then
  echo "PEERNET_CHROMIUM=$chromium is not an executable: point it at Chromium, or unset it to use Debian's /usr/bin/chromium" >&2
  exit 1
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests (once)..."
  if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -60 2>/dev/null | head -1)" ]; then
    apt-get update -qq
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  [ -x "$chromium" ] || { echo "chromium was installed but $chromium is not there" >&2; exit 1; }
else
  echo "Chromium is missing (the browser tests need it): sudo apt-get install -y chromium  (or set PEERNET_CHROMIUM=/path/to/chromium)" >&2
  exit 1
fi
