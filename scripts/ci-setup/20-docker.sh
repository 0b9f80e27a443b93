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
  dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
  runtime_dir="$(ls -d "$dotnet_root"/shared/Microsoft.NETCore.App/10.* | sort -V | tail -n 1)"
  fxr_dir="$(ls -d "$dotnet_root"/host/fxr/* | sort -V | tail -n 1)"
  context="$(mktemp -d)"
  trap 'rm -rf "$context"' EXIT
  rootfs="$context/rootfs"
  mkdir -p "$rootfs/bin" "$rootfs/usr/share/dotnet/shared/Microsoft.NETCore.App" "$rootfs/usr/share/dotnet/host/fxr" "$rootfs/etc" "$rootfs/tmp" "$rootfs/app"
  chmod 1777 "$rootfs/tmp"
  cp /bin/busybox "$rootfs/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ -e "$rootfs/bin/$applet" ] || ln -s busybox "$rootfs/bin/$applet"
  done
  cp "$dotnet_root/dotnet" "$rootfs/usr/share/dotnet/dotnet"
  cp -a "$fxr_dir" "$rootfs/usr/share/dotnet/host/fxr/"
  cp -a "$runtime_dir" "$rootfs/usr/share/dotnet/shared/Microsoft.NETCore.App/"
  # Libraries: what ldd lists for the host, the fxr and the runtime's .so files, plus OpenSSL (loaded at run time).
  libraries() {
    for binary in "$dotnet_root/dotnet" "$fxr_dir"/*.so "$runtime_dir"/*.so; do
      ldd "$binary" 2>/dev/null | grep -o '/[^ ]*' || true
    done
    for extra in libssl.so.3 libcrypto.so.3; do
      ldconfig -p | grep -o "/[^ ]*/$extra\$" | head -n 1
    done
  }
  for library in $(libraries | sort -u); do
    [ -e "$library" ] || continue
    mkdir -p "$rootfs$(dirname "$library")"
    cp -L "$library" "$rootfs$library"
  done
  # The dynamic loader at its usual paths (/lib64 is a link on Debian).
  if [ -e /lib64/ld-linux-x86-64.so.2 ]; then
    mkdir -p "$rootfs/lib64"
    cp -L /lib64/ld-linux-x86-64.so.2 "$rootfs/lib64/ld-linux-x86-64.so.2"
  fi
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$rootfs/etc/group"
  printf '127.0.0.1 localhost\n::1 localhost\n' > "$rootfs/etc/hosts"
  printf 'hosts: files dns\n' > "$rootfs/etc/nsswitch.conf"
  cat > "$context/Dockerfile" <<DOCKERFILE
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/share/dotnet:/bin DOTNET_ROOT=/usr/share/dotnet DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
LABEL $TEST_LABEL io.bosun.test.base-image=true
WORKDIR /app
DOCKERFILE
  docker build -q -t "$BASE_IMAGE" "$context" >/dev/null
  rm -rf "$context"
  trap - EXIT
  docker run --rm --network none "$BASE_IMAGE" dotnet --list-runtimes
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
