#!/usr/bin/env bash
# Makes sure the pnpm version pinned in package.json's "packageManager" is on PATH.
# corepack cannot always download pnpm (closed networks); npm's registry can.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
want="$(node -p "require('$root/package.json').packageManager.split('@')[1]")"
have="$(pnpm --version 2>/dev/null || true)"
if [ "$have" != "$want" ]; then
  echo "installing pnpm@$want (found: ${have:-none})" >&2
  npm install -g "pnpm@$want" >/dev/null
fi
