#!/usr/bin/env bash
# Installs the pinned local tool chain (scripts/requirements.txt) into .venv.
# Idempotent: re-installs only when requirements.txt changed.
# `--no-rust`: the tools only, for a machine that deploys a packaged
# template and compiles nothing (the pipeline's deploy jobs).
set -euo pipefail
cd "$(dirname "$0")/.."
rust=yes
case "${1:-}" in
  --no-rust) rust=no ;;
  "") ;;
  *) echo "usage: scripts/setup.sh [--no-rust]" >&2; exit 2 ;;
esac

# The pinned Rust toolchain (rust-toolchain.toml). Offline machines often
# have it only as `stable`: link that when the versions match.
pinned=$(sed -n 's/^channel = "\(.*\)"$/\1/p' rust-toolchain.toml)
if [ "$rust" = no ]; then
  echo "setup: --no-rust: leaving the Rust toolchain as it is"
elif ! command -v rustup >/dev/null; then
  echo "setup: no rustup; cargo must be Rust $pinned (rust-toolchain.toml)" >&2
elif ! RUSTUP_AUTO_INSTALL=0 rustup run "$pinned" rustc --version >/dev/null 2>&1; then
  if [ "$(rustup run stable rustc --version 2>/dev/null | cut -d' ' -f2)" = "$pinned" ]; then
    echo "setup: using the installed stable as Rust $pinned"
    # rustup refuses to `link` a custom toolchain under an official name;
    # a toolchain directory of that name is all it looks for.
    host=$(rustup run stable rustc -vV | sed -n 's/^host: //p')
    ln -sfn "$(rustup run stable rustc --print sysroot)" "${RUSTUP_HOME:-$HOME/.rustup}/toolchains/$pinned-$host"
  else
    echo "setup: installing Rust $pinned"
    rustup toolchain install "$pinned" --profile minimal --component rustfmt,clippy
  fi
fi

PYTHON=${PYTHON:-python3}
stamp=.venv/.requirements.sha256
want=$(sha256sum scripts/requirements.txt | cut -d' ' -f1)

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PYTHON" -m venv .venv
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing pinned tools into .venv (cargo-lambda, ziglang, aws-sam-cli, moto, secantusdb, cfn-lint)"
  .venv/bin/pip install --quiet --disable-pip-version-check -r scripts/requirements.txt
  echo "$want" > "$stamp"
fi
