#!/usr/bin/env bash
# Tools the test suite drives besides Node: Debian's headless Chromium (the pages test,
# test/integration/pages-browser.test.ts) and promtool (checks /metrics; without it a strict
# parser stands in). Installed with apt-get when missing and this user may; otherwise a warning
# says what to install, and the pages test fails naming the missing binary.
set -uo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo=(sudo -n); else sudo=(false); fi
fi
if command -v apt-get >/dev/null 2>&1 && [ "${sudo[0]:-}" != false ]; then
  echo "installing ${missing[*]} (Debian packages) for the test suite" >&2
  if "${sudo[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    exit 0
  fi
fi
echo "warning: could not install ${missing[*]}; install them (apt-get install -y ${missing[*]}) for the pages test and promtool's /metrics check" >&2
exit 0
