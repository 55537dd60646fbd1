#!/usr/bin/env bash
# Make sure promtool is here for the alert-rule tests (tests/test_alert_rules.py): Debian's
# prometheus package provides it. Only promtool is used; nothing of it needs to run.
set -euo pipefail

if command -v promtool >/dev/null 2>&1; then exit 0; fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's prometheus package for promtool (once)..."
  if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -60 2>/dev/null | head -1)" ]; then
    apt-get update -qq
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  command -v promtool >/dev/null 2>&1 || { echo "prometheus was installed but promtool is not on PATH" >&2; exit 1; }
else
  echo "promtool is missing (the alert-rule tests need it): sudo apt-get install -y prometheus" >&2
  exit 1
fi
