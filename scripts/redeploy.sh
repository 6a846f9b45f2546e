#!/usr/bin/env bash
# Rolls an environment back (or forward) to an earlier release in minutes:
# redeploys the packaged template the pipeline stored for that commit
# (s3://$ARTIFACTS_BUCKET/releases/<sha>/packaged.yaml). Nothing is
# rebuilt: the functions' zips are the ones that release deployed.
#
#   scripts/redeploy.sh <dev|prod> <commit-sha>
#   scripts/redeploy.sh <dev|prod> --list      releases, newest first
#
# Needs AWS credentials allowed to deploy that environment, and
# ARTIFACTS_BUCKET (+ CLOUDFORMATION_EXECUTION_ROLE, ALARM_TOPIC_ARN as for
# scripts/deploy.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
env=${1:?usage: redeploy.sh <dev|prod> <commit-sha>|--list}
release=${2:?usage: redeploy.sh <dev|prod> <commit-sha>|--list}
: "${ARTIFACTS_BUCKET:?set ARTIFACTS_BUCKET}"
if [ "$release" = --list ]; then
  aws s3api list-objects-v2 --bucket "$ARTIFACTS_BUCKET" --prefix releases/ \
    --query 'reverse(sort_by(Contents[?ends_with(Key, `packaged.yaml`)], &LastModified))[].[LastModified, Key]' \
    --output text | sed 's|releases/\([0-9a-f]*\)/packaged.yaml|\1|'
  exit 0
fi
[[ $release =~ ^[0-9a-f]{7,40}$ ]] || { echo "redeploy: '$release' is not a commit sha" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
keys=$(aws s3api list-objects-v2 --bucket "$ARTIFACTS_BUCKET" --prefix "releases/$release" \
  --query 'Contents[?ends_with(Key, `packaged.yaml`)].Key' --output text)
keys=${keys//None/}
read -r -a found <<< "$keys"
case ${#found[@]} in
  0) echo "redeploy: no release $release in s3://$ARTIFACTS_BUCKET/releases/" >&2; exit 1 ;;
  1) key=${found[0]} ;;
  *) echo "redeploy: $release matches ${#found[@]} releases; give more of the sha" >&2; exit 1 ;;
esac
aws s3 cp --quiet "s3://$ARTIFACTS_BUCKET/$key" "$work/packaged.yaml"
echo "redeploy: $env ← $key"
scripts/deploy.sh "$env" "$work/packaged.yaml"
