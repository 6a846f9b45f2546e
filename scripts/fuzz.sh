#!/usr/bin/env bash
# `make fuzz`: each cargo-fuzz target (fuzz/fuzz_targets/) for FUZZ_SECONDS
# (default 60) with libFuzzer and AddressSanitizer, starting from the seeds
# in fuzz/seeds/<target>/. A crash stops the run; its input is in
# fuzz/artifacts/<target>/ — add it to fuzz/regressions/<target>/ (replayed by
# `make test`, see shared/tests/fuzz_regressions.rs) and fix the bug.
#   FUZZ_TARGETS="json_body"   only these targets
set -euo pipefail
cd "$(dirname "$0")/.."
tools=$PWD/target/tools
if [ ! -x "$tools/bin/cargo-fuzz" ]; then
  cargo install --locked --root "$tools" cargo-fuzz@0.13.1
fi
export PATH=$tools/bin:$PATH
# cargo-fuzz passes -Z sanitizer flags; the stable toolchain accepts them with
# RUSTC_BOOTSTRAP (this machine kind has no nightly).
export RUSTC_BOOTSTRAP=1
seconds=${FUZZ_SECONDS:-60}
for target in ${FUZZ_TARGETS:-json_body access_token multipart}; do
  mkdir -p "fuzz/corpus/$target"
  echo "fuzz: $target for ${seconds}s"
  (cd fuzz && cargo fuzz run "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -max_len=65536 -print_final_stats=1)
done
