#!/usr/bin/env bash
# Installs Node.js and npm (Debian packages) when missing, then the contract tests' npm packages (Redocly CLI,
# openapi-typescript, openapi-fetch, TypeScript) into tests/Bosun.Contract.Tests/client with `npm ci` from the committed
# lock file. Idempotent: skips what is already in place.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends nodejs npm
fi
echo "node $(node --version), npm $(npm --version)"
client="$(cd "$(dirname "$0")/../.." && pwd)/tests/Bosun.Contract.Tests/client"
if [ -f "$client/node_modules/.package-lock.json" ] && [ "$client/node_modules/.package-lock.json" -nt "$client/package-lock.json" ]; then
  echo "contract-test npm packages already installed"
  exit 0
fi
cd "$client"
npm ci --no-audit --no-fund
