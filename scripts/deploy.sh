#!/usr/bin/env bash
# Deploys an already packaged template (functions already in S3) to one
# environment of samconfig.toml: the pipeline's deploy jobs and
# scripts/redeploy.sh both come here, so a rollback is the same deploy.
#
#   scripts/deploy.sh <dev|prod> <packaged.yaml>
#
# From the environment (the pipeline's GitHub environment variables):
#   ARTIFACTS_BUCKET               bucket sam uploads the template itself to (required)
#   CLOUDFORMATION_EXECUTION_ROLE  role CloudFormation acts as (sam pipeline
#                                  bootstrap's); the caller itself then needs no IAM rights
#   ALARM_TOPIC_ARN                SNS topic of the alarms (AlarmTopicArn)
#   AWS_REGION                     the stack's region (else samconfig.toml's)
set -euo pipefail
cd "$(dirname "$0")/.."
env=${1:?usage: deploy.sh <dev|prod> <packaged.yaml>}
template=${2:?usage: deploy.sh <dev|prod> <packaged.yaml>}
: "${ARTIFACTS_BUCKET:?set ARTIFACTS_BUCKET}"
export PATH=$PWD/.venv/bin:$PATH SAM_CLI_TELEMETRY=0

# samconfig.toml's overrides for this environment, plus what is per account.
overrides=$(python3 -c '
import sys, tomllib
config = tomllib.load(open("samconfig.toml", "rb"))
print(config[sys.argv[1]]["deploy"]["parameters"]["parameter_overrides"])' "$env")
[ -z "${ALARM_TOPIC_ARN:-}" ] || overrides="$overrides AlarmTopicArn=$ALARM_TOPIC_ARN"

extra=()
[ -z "${CLOUDFORMATION_EXECUTION_ROLE:-}" ] || extra+=(--role-arn "$CLOUDFORMATION_EXECUTION_ROLE")
# The region the pipeline's credentials and smoke test use, not a default.
[ -z "${AWS_REGION:-}" ] || extra+=(--region "$AWS_REGION")
sam deploy --config-env "$env" --template-file "$template" \
  --no-resolve-s3 --s3-bucket "$ARTIFACTS_BUCKET" --s3-prefix "templates/$env" \
  --parameter-overrides "$overrides" ${extra[@]+"${extra[@]}"} \
  --no-confirm-changeset --no-fail-on-empty-changeset
