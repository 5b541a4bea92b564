#!/usr/bin/env bash
# Installs, builds and runs every test. Needs Node 20 and a Redis on REDIS_URL
# (default redis://127.0.0.1:6379; .ci/run starts one when none answers).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-pnpm.sh
bash scripts/ensure-test-tools.sh
pnpm install --frozen-lockfile
pnpm test
