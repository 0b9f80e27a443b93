#!/usr/bin/env bash
# Installs Node.js and npm (Debian packages) when missing, then with `npm ci` from the committed lock files: the
# contract tests' npm packages (Redocly CLI, openapi-typescript, openapi-fetch, TypeScript) into
# tests/Bosun.Contract.Tests/client, and axe-core (the UI's accessibility check) into tests/Bosun.Ui.Tests/a11y.
# Idempotent: skips what is already in place.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends nodejs npm
fi
echo "node $(node --version), npm $(npm --version)"
root="$(cd "$(dirname "$0")/../.." && pwd)"
for folder in "$root/tests/Bosun.Contract.Tests/client" "$root/tests/Bosun.Ui.Tests/a11y"; do
  if [ -f "$folder/node_modules/.package-lock.json" ] && [ "$folder/node_modules/.package-lock.json" -nt "$folder/package-lock.json" ]; then
    echo "npm packages of $folder already installed"
    continue
  fi
  (cd "$folder" && npm ci --no-audit --no-fund)
done
