#!/usr/bin/env bash
# Makes a .NET runtime base image from this machine's own .NET (no pull from any registry, ~95 MB, a few seconds):
# a FROM scratch image with a static busybox (apt-get install busybox-static), the dotnet host, hostfxr,
# Microsoft.NETCore.App 10 and the native libraries they load. Use it where mcr.microsoft.com cannot be reached:
#   scripts/make-runtime-image.sh my-registry/dotnet-runtime:10.0
#   export BOSUN_DOCKER_BASE_IMAGE=my-registry/dotnet-runtime:10.0    # the generated Dockerfile builds on it
# Globalization is invariant in it (no ICU); apps run as `dotnet /app/App.dll`.
set -euo pipefail
IMAGE="${1:?usage: make-runtime-image.sh IMAGE[:TAG] [LABELS]}"
LABELS="${2:-io.bosun.base-image=true}"
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
LABEL $LABELS
WORKDIR /app
DOCKERFILE
docker build -q -t "$IMAGE" "$context" >/dev/null
rm -rf "$context"
trap - EXIT
docker run --rm --network none "$IMAGE" dotnet --list-runtimes
