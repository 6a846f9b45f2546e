#!/usr/bin/env bash
# A Docker engine for `sam local`. Machines of this kind have the docker
# client but no engine: install docker.io and start dockerd if none answers.
#
#   scripts/docker-engine.sh start   make sure an engine answers (prints "started" if this script started it)
#   scripts/docker-engine.sh stop    stop the dockerd this script started (pid in .local/docker/pid), nothing else
#   scripts/docker-engine.sh gateway print the default bridge's gateway address (the host, seen from containers)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$PWD/.local/docker
# Debian's client matches Debian's engine; another client on PATH may speak a newer API.
docker=/usr/bin/docker
[ -x $docker ] || docker=docker

answers() { $docker info >/dev/null 2>&1; }

start() {
  if answers; then return 0; fi
  if ! command -v dockerd >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io iproute2 >/dev/null
    docker=/usr/bin/docker
    if answers; then return 0; fi  # the package's service started one
  fi
  mkdir -p "$dir"
  setsid dockerd > "$dir/dockerd.log" 2>&1 < /dev/null &
  echo $! > "$dir/pid"
  for _ in $(seq 1 150); do
    if answers; then echo started; return 0; fi
    sleep 0.2
  done
  echo "docker-engine: dockerd did not answer; see $dir/dockerd.log" >&2
  return 1
}

stop() {
  [ -f "$dir/pid" ] || return 0
  local pid; pid=$(cat "$dir/pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$dir/pid"
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  # The bridge's own address on the host (the IPAM config often omits Gateway).
  gateway) ip -4 -o addr show docker0 | awk '{split($4, a, "/"); print a[1]; exit}' ;;
  *) echo "usage: docker-engine.sh start|stop|gateway" >&2; exit 2 ;;
esac
