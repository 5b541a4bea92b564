#!/usr/bin/env bash
# Makes sure the pnpm version pinned in package.json's "packageManager" is on PATH.
# corepack cannot always download pnpm (closed networks); npm's registry can. When npm's global
# prefix is not writable (a system Node without sudo), pnpm goes to ~/.local instead; a script
# that sources this file gets that directory on its PATH, and the message says how to add it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
want="$(node -p "require('$root/package.json').packageManager.split('@')[1]")"
have="$(pnpm --version 2>/dev/null || true)"
if [ "$have" != "$want" ]; then
  echo "installing pnpm@$want (found: ${have:-none})" >&2
  prefix="$(npm config get prefix)"
  if [ -w "$prefix/lib" ] || { [ ! -e "$prefix/lib" ] && [ -w "$prefix" ]; }; then
    npm install -g "pnpm@$want" >/dev/null
  else
    local_prefix="${HOME}/.local"
    echo "npm's global prefix $prefix is not writable: installing into $local_prefix" >&2
    npm install -g --prefix "$local_prefix" "pnpm@$want" >/dev/null
    export PATH="$local_prefix/bin:$PATH"
    echo "add $local_prefix/bin to PATH to use this pnpm outside these scripts" >&2
  fi
  got="$(pnpm --version 2>/dev/null || true)"
  if [ "$got" != "$want" ]; then
    echo "pnpm@$want is installed but 'pnpm --version' says '${got:-nothing}': check PATH" >&2
    exit 1
  fi
fi
