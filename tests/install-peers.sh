#!/usr/bin/env bash
# Installs what the tests' third-party peers need, when it is missing, so that `dotnet test
# service.sln` works on a fresh machine as the README says: Python websockets and Chromium from
# Debian, Node ws and playwright-core (which drives Debian's Chromium; it downloads no browser) from
# npm. With --fuzz, AFL++ too (tests/fuzz/run.sh). Quick and silent when everything is there:
# Cosocket.Host.Tests runs it before its tests, .ci/run before everything.
set -euo pipefail
cd "$(dirname "$0")"

packages=()
/usr/bin/python3 -c 'import websockets' 2>/dev/null || packages+=(python3-websockets)
command -v chromium >/dev/null || packages+=(chromium)
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
if [ "${1:-}" = "--fuzz" ]; then
  command -v afl-fuzz >/dev/null || packages+=(afl++)
fi
if [ ${#packages[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install-peers: the tests need the Debian packages ${packages[*]}: install them as root (apt-get install ${packages[*]})" >&2
    exit 1
  fi
  echo "install-peers: installing ${packages[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
fi

# npm ci when node_modules is missing or older than the lock file.
if [ ! -d interop/node_modules ] || [ interop/package-lock.json -nt interop/node_modules ]; then
  (cd interop && npm ci --no-audit --no-fund --loglevel=error)
  touch interop/node_modules
fi
