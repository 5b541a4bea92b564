#!/usr/bin/env bash
# Installs, builds and runs every test, the fault suite included. Needs Node 20, a Redis on REDIS_URL
# (default redis://127.0.0.1:6379; .ci/run starts one when none answers) and redis-server on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-pnpm.sh
bash scripts/ensure-test-tools.sh
pnpm install --frozen-lockfile
pnpm test
# The fault suite (docs/reliability.md): real processes, SIGKILL, a Redis restart; about 5 minutes.
pnpm test:reliability
