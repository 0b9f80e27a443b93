#!/usr/bin/env bash
# Installs Debian's Chromium for the UI tests (tests/Bosun.Ui.Tests drive it through Playwright with
# ExecutablePath=/usr/bin/chromium; no browser download). Idempotent: does nothing when it is installed.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1
if dpkg -s chromium >/dev/null 2>&1 && [ -x /usr/bin/chromium ]; then
  echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo unknown version)"
  exit 0
fi
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium
/usr/bin/chromium --version
