#!/usr/bin/env bash
# Prints the image `sam local` should run functions in (--invoke-image).
#
# With internet, that is AWS's provided.al2023 image (pulled once). Offline,
# it builds an equivalent local image once and reuses it: busybox (sam adds
# the Lambda runtime interface emulator with a RUN step), the host's glibc
# (our binaries link against glibc 2.17+, as on provided.al2023) and the CA
# bundle at both the Debian and the Amazon Linux path. Idempotent;
# REBUILD=1 rebuilds it.
set -euo pipefail
cd "$(dirname "$0")/.."
docker=/usr/bin/docker
[ -x $docker ] || docker=docker
stock=public.ecr.aws/lambda/provided:al2023
local_image=avaone/provided-al2023-local:x86_64

if $docker image inspect "$stock" >/dev/null 2>&1 || timeout 120 $docker pull -q "$stock" >/dev/null 2>&1; then
  echo "$stock"
  exit 0
fi
if [ "${REBUILD:-0}" != 1 ] && $docker image inspect "$local_image" >/dev/null 2>&1; then
  echo "$local_image"
  exit 0
fi

command -v busybox >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends busybox-static >/dev/null 2>&1
}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,lib64,lib/x86_64-linux-gnu,etc/ssl/certs,etc/pki/tls/certs,var/task,var/runtime,opt,tmp,usr/bin}
chmod 1777 "$root/tmp"
cp "$(command -v busybox)" "$root/bin/busybox"
for applet in $(busybox --list); do
  [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
# glibc and the unwinder, as the binaries' ldd shows (plus librt/libgcc_s for panics).
libs=/lib/x86_64-linux-gnu
for lib in ld-linux-x86-64.so.2 libc.so.6 libm.so.6 libpthread.so.0 libdl.so.2 librt.so.1 libgcc_s.so.1; do
  cp -L "$libs/$lib" "$root/lib/x86_64-linux-gnu/$lib"
done
ln -s ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$root/lib64/ld-linux-x86-64.so.2"
cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/pki/tls/certs/ca-bundle.crt"
echo "root:x:0:0:root:/tmp:/bin/sh" > "$root/etc/passwd"
echo "root:x:0:" > "$root/etc/group"

tar -C "$root" -c . | $docker import \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  --change 'ENV LAMBDA_TASK_ROOT=/var/task' \
  --change 'ENV LAMBDA_RUNTIME_DIR=/var/runtime' \
  --change 'WORKDIR /var/task' \
  - "$local_image" >/dev/null
echo "$local_image"
