"""Lays out `.aws-sam/build` from the host's debug build, as `sam build` would.

`sam build` (rust-cargolambda) runs `cargo lambda build` once per function:
a second build of the whole dependency set for the Lambda target, ~100
cargo invocations and a second copy of every binary. For `sam local` in
tests the functions `make test` already built are the same code, so CI
builds once: each function's directory holds a hard link to its
`target/debug/<binary>` as `bootstrap`, and the built template points
each function's CodeUri at its directory (Metadata is kept: tests read the
binary names from it).

A host binary only runs in the function image if the image's glibc is at
least as new as the newest glibc symbol the binary needs. AWS's
provided.al2023 has glibc 2.34; the offline image (scripts/sam-base-image.sh)
carries the host's own. With `--max-glibc 2.34` this exits 3 without
writing anything when a binary needs more (e.g. built on a newer distro),
and scripts/sam-local.sh falls back to `sam build`.

    python scripts/sam-artifacts.py [--max-glibc 2.34] [--target-dir target]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

from samcli.yamlhelper import yaml_dump, yaml_parse

BUILD = ".aws-sam/build"


def glibc_needed(path):
    """The newest GLIBC_x.y symbol version the binary references."""
    out = subprocess.run(["objdump", "-T", path], capture_output=True, text=True, check=True).stdout
    versions = {tuple(int(p) for p in v.split(".")) for v in re.findall(r"GLIBC_(\d+(?:\.\d+)+)", out)}
    return max(versions, default=(0,))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--template", default="template.yaml")
    parser.add_argument("--target-dir", default=os.environ.get("CARGO_TARGET_DIR", "target"))
    parser.add_argument("--max-glibc", help="refuse (exit 3) binaries needing a newer glibc, e.g. 2.34")
    args = parser.parse_args()

    template = yaml_parse(open(args.template).read())
    functions = {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
        and resource.get("Metadata", {}).get("BuildMethod") == "rust-cargolambda"
    }
    binaries = {}
    for logical_id, resource in functions.items():
        binary = resource["Metadata"]["BuildProperties"]["Binary"]
        path = os.path.join(args.target_dir, "debug", binary)
        if not os.path.isfile(path):
            sys.exit(f"sam-artifacts: {path} is missing; run `cargo build --workspace --bins` first")
        binaries[logical_id] = path

    if args.max_glibc and not shutil.which("objdump"):
        print("sam-artifacts: no objdump to check the binaries' glibc; use sam build", file=sys.stderr)
        sys.exit(3)
    if args.max_glibc:
        limit = tuple(int(p) for p in args.max_glibc.split("."))
        too_new = {p: glibc_needed(p) for p in binaries.values()}
        too_new = {p: v for p, v in too_new.items() if v > limit}
        if too_new:
            path, version = next(iter(too_new.items()))
            print(
                f"sam-artifacts: {len(too_new)} binaries need glibc > {args.max_glibc} "
                f"(e.g. {path}: {'.'.join(map(str, version))}); use sam build",
                file=sys.stderr,
            )
            sys.exit(3)

    shutil.rmtree(BUILD, ignore_errors=True)
    os.makedirs(BUILD)
    for logical_id, path in binaries.items():
        directory = os.path.join(BUILD, logical_id)
        os.makedirs(directory)
        bootstrap = os.path.join(directory, "bootstrap")
        try:
            os.link(path, bootstrap)  # no second copy of ~100 binaries
        except OSError:
            shutil.copy2(path, bootstrap)
        functions[logical_id]["Properties"]["CodeUri"] = logical_id
    with open(os.path.join(BUILD, "template.yaml"), "w") as f:
        f.write(yaml_dump(template))
    print(f"sam-artifacts: {len(binaries)} functions from {args.target_dir}/debug in {BUILD}")


if __name__ == "__main__":
    main()
