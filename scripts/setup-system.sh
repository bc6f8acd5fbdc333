#!/usr/bin/env bash
# Install the system packages the test suite needs when they are missing (Debian; run as root in CI).
# Called with the package names by .ci/run and by `npm test` (pretest): chromium for the HTML report's browser test,
# postgresql for the throw-away server of the SQL ingest tests (scripts/postgres-test-cluster.sh), python3-sqlglot
# for the parser tests of the SQL printed for BigQuery, Snowflake and Spark SQL, jq for the cookbook recipes
# (docs/cookbook, run by test/docs/cookbook.test.ts).
set -euo pipefail
need=()
for pkg in "$@"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup-system: missing Debian packages: ${need[*]} (run as root or install them)" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
