#!/usr/bin/env bash
# The main job on a fresh machine with Node 20: installs, builds, starts Redis if needed, the API
# and a worker, sends the sample images and prints a summary of each result.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-pnpm.sh
pnpm install --frozen-lockfile
pnpm build
pnpm demo "$@"
