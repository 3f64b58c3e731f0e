#!/usr/bin/env bash
# Create .venv and install the Python requirements (only when they changed since the last run).
# With --dev: also the test tools and, on Debian/Ubuntu, Chromium, a Chinese font for its screenshots, haproxy, the
# FashionMNIST package and npm (for axe-core, the accessibility check).
set -euo pipefail
cd "$(dirname "$0")/.."

reqs=requirements.txt
[[ "${1:-}" == "--dev" ]] && reqs=requirements-dev.txt

if [[ "${1:-}" == "--dev" ]] && command -v apt-get >/dev/null; then
  missing=()
  for pkg in chromium dataset-fashion-mnist haproxy fonts-wqy-microhei; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  command -v npm >/dev/null || missing+=(npm)  # for axe-core, the accessibility check
  if (( ${#missing[@]} )); then
    sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
    echo "Installing Debian packages: ${missing[*]}"
    if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"; }; then
      echo "Could not install ${missing[*]}; the tests that need them will be skipped with a reason." >&2
    fi
  fi
fi

[[ -x .venv/bin/python ]] || python3 -m venv .venv
stamp=.venv/.installed-$(cat requirements.txt "$reqs" | sha1sum | cut -c1-12)
if [[ ! -e "$stamp" ]]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r "$reqs"
  touch "$stamp"
fi

# The interface's translations: compile the gettext catalogs the app reads (locales/*/LC_MESSAGES/messages.mo).
PYBABEL=.venv/bin/pybabel scripts/i18n.sh compile

# The accessibility check's axe-core, from the npm registry (tests only).
if [[ "${1:-}" == "--dev" ]] && [[ ! -e tests/a11y/node_modules/axe-core/axe.min.js ]]; then
  if command -v npm >/dev/null; then
    npm ci --prefix tests/a11y --no-audit --no-fund --loglevel=error \
      || echo "Could not install axe-core; the accessibility test will be skipped with a reason." >&2
  else
    echo "npm is missing (Debian: apt-get install npm); the accessibility test will be skipped." >&2
  fi
fi
