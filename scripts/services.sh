#!/usr/bin/env bash
# Makes sure the servers the test suite talks to are there: PostgreSQL running on
# 127.0.0.1:5432, Dovecot's IMAP server installed (the tests start their own throwaway
# Dovecot on a loopback port), and Debian's Chromium for the Playwright browser tests. Installs what is missing from Debian's packages (as root);
# with CI=true a server that cannot be had is an error, never a silent skip.
set -uo pipefail

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }

if ! command -v pg_isready >/dev/null 2>&1 || ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing PostgreSQL from Debian's packages"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
fi

# ensure_installed COMMAND DEBIAN_PACKAGE TESTS: install the package when the command is
# missing (as root with apt-get); with CI=true a package that cannot be had is an error.
ensure_installed() {
  local cmd=$1 pkg=$2 tests=$3
  if ! command -v "$cmd" >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing $pkg from Debian's packages (for $tests)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null
  fi
  if command -v "$cmd" >/dev/null 2>&1; then
    echo "$pkg is installed: $(command -v "$cmd")"
  elif [ "${CI:-}" = "true" ]; then
    echo "$pkg is not installed and could not be installed (needed for $tests)" >&2
    exit 1
  else
    echo "warning: $pkg is not installed; $tests will be skipped (they fail when CI=true)" >&2
  fi
}

# The package's own Dovecot service is not used: the tests start their own instances.
ensure_installed dovecot dovecot-imapd "the IMAP tests"
# Playwright drives Debian's Chromium, never a browser it downloads itself.
ensure_installed chromium chromium "the browser tests"

if ! pg_up && ls /etc/postgresql/*/main >/dev/null 2>&1; then
  version=$(ls /etc/postgresql | head -1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
fi

if pg_up; then
  # trust auth for local test connections, and the `test` database the suite uses
  psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='test'" 2>/dev/null | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE test" >/dev/null 2>&1 || true
  echo "PostgreSQL is up on 127.0.0.1:5432"
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL is not running on 127.0.0.1:5432 and could not be started" >&2
  exit 1
else
  echo "warning: PostgreSQL is not running; its tests will be skipped (they fail when CI=true)" >&2
fi
