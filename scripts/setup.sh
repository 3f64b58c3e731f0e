#!/usr/bin/env bash
# Create .venv and install the Python requirements (only when they changed since the last run).
# With --dev: also the test tools and, on Debian/Ubuntu, Chromium, a Chinese font for its screenshots, haproxy, the
# FashionMNIST package, PostgreSQL (the store's tests start their own server) and npm (for axe-core, the
# accessibility check).
set -euo pipefail
cd "$(dirname "$0")/.."

reqs=requirements.txt
[[ "${1:-}" == "--dev" ]] && reqs=requirements-dev.txt

if [[ "${1:-}" == "--dev" ]] && command -v apt-get >/dev/null; then
  missing=()
  for pkg in chromium dataset-fashion-mnist haproxy fonts-wqy-microhei postgresql; do
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
# uv installs the same files as pip in well under half its time (torch's CUDA wheels, 6 GB unpacked: 36 s against
# 88 s on a 2-core machine) and compiles them to bytecode, as pip does. It does not read pip's configuration, so the
# index, extra indexes, local wheel folders and constraints pip is set to use are handed to it, with pip's rule of
# taking the best version any of them has. Where uv cannot be had or fails, pip installs as before.
uv_install() {
  .venv/bin/python -m pip install --quiet uv || return 1
  local args=(--python .venv/bin/python --quiet --compile-bytecode --index-strategy unsafe-best-match) key value v env_var
  for key in index-url extra-index-url find-links constraint; do
    value=$(.venv/bin/python -m pip config get "global.$key" 2>/dev/null) || value=""
    env_var="PIP_$(tr a-z- A-Z_ <<<"$key")"
    value="${!env_var:-$value}"
    for v in $value; do args+=("--$key" "$v"); done
  done
  .venv/bin/uv pip install "${args[@]}" -r "$reqs"
}
if [[ ! -e "$stamp" ]]; then
  if ! uv_install; then
    echo "uv could not install the requirements; pip does." >&2
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -r "$reqs"
  fi
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
