#!/usr/bin/env bash
# Prepares this Debian machine for the Docker tests, idempotently (a second run changes nothing):
#   1. packages: docker.io, busybox-static (the base image's shell), apache2-utils (htpasswd), docker-registry;
#   2. dockerd without a bridge (only the host and none networks), unless a daemon already answers;
#   3. the local .NET runtime base image bosun-test/dotnet-runtime:10.0, made from this machine's own files (no pull);
#   4. a local registry with htpasswd credentials on 127.0.0.1:5055.
# Everything listens on 127.0.0.1. The tests read the same constants from tests/Bosun.Testing/DockerTestEnvironment.cs.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1

BASE_IMAGE="bosun-test/dotnet-runtime:10.0"
TEST_LABEL="io.bosun.test=true"
REGISTRY_PORT=5055
REGISTRY_USER="bosun-test"
REGISTRY_PASSWORD="bosun-test-password"
STATE_DIR="/var/lib/bosun-test"
LOG_DIR="/var/log/bosun-test"
mkdir -p "$STATE_DIR" "$LOG_DIR"

# 1. Packages.
missing=()
for package in docker.io busybox-static apache2-utils docker-registry curl; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing ${missing[*]}"
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The docker-registry package starts its own service on :5000 where an init system runs; ours is the one below.

# 2. dockerd: reuse a running daemon, never restart one.
if docker info >/dev/null 2>&1; then
  echo "dockerd: already running"
else
  echo "dockerd: starting (no bridge, no iptables)"
  nohup setsid dockerd --bridge=none --iptables=false --ip-masq=false >"$LOG_DIR/dockerd.log" 2>&1 < /dev/null &
  for _ in $(seq 1 300); do
    docker info >/dev/null 2>&1 && break
    sleep 0.1
  done
  docker info >/dev/null 2>&1 || { echo "dockerd did not answer; see $LOG_DIR/dockerd.log"; tail -n 20 "$LOG_DIR/dockerd.log"; exit 1; }
fi

# 3. The .NET runtime base image, from this machine's files: static busybox, the dotnet host, fxr, Microsoft.NETCore.App,
#    and the native libraries they load.
if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  echo "base image $BASE_IMAGE: present"
else
  echo "base image $BASE_IMAGE: building from this machine's files"
  "$(dirname "$(readlink -f "$0")")/../make-runtime-image.sh" "$BASE_IMAGE" "$TEST_LABEL io.bosun.test.base-image=true"
fi

# 4. A local registry with htpasswd credentials on 127.0.0.1:$REGISTRY_PORT.
registry_answers() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$REGISTRY_PORT/v2/")" = "401" ]; }
if registry_answers; then
  echo "registry 127.0.0.1:$REGISTRY_PORT: already running"
else
  echo "registry 127.0.0.1:$REGISTRY_PORT: starting"
  mkdir -p "$STATE_DIR/registry/data"
  htpasswd -Bbn "$REGISTRY_USER" "$REGISTRY_PASSWORD" > "$STATE_DIR/registry/htpasswd"
  cat > "$STATE_DIR/registry/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $STATE_DIR/registry/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$REGISTRY_PORT
auth:
  htpasswd:
    realm: bosun-test
    path: $STATE_DIR/registry/htpasswd
YAML
  nohup setsid docker-registry serve "$STATE_DIR/registry/config.yml" >"$LOG_DIR/registry.log" 2>&1 < /dev/null &
  for _ in $(seq 1 100); do
    registry_answers && break
    sleep 0.1
  done
  registry_answers || { echo "the registry did not answer; see $LOG_DIR/registry.log"; tail -n 20 "$LOG_DIR/registry.log"; exit 1; }
fi
echo "docker test environment ready: base image $BASE_IMAGE, registry 127.0.0.1:$REGISTRY_PORT (user $REGISTRY_USER)"
