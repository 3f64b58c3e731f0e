#!/usr/bin/env bash
# Gettext catalogs with Babel: extract every _() and N_() string from app/ and core/ into locales/messages.pot,
# merge it into locales/zh/LC_MESSAGES/messages.po (new strings arrive untranslated: tests/test_i18n.py fails
# until they are translated), and compile the .mo files the app reads.
#   scripts/i18n.sh            extract, update, compile
#   scripts/i18n.sh compile    compile only (setup does this)
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL="${PYBABEL:-.venv/bin/pybabel}"
if [ "${1:-}" != compile ]; then
  "$PYBABEL" -q extract -F babel.cfg -k N_ -k ngettext:1,2 --no-location --sort-output --omit-header -w 120 \
    -o locales/messages.pot .
  if [ -f locales/zh/LC_MESSAGES/messages.po ]; then
    "$PYBABEL" -q update -i locales/messages.pot -d locales -l zh --no-fuzzy-matching -w 120 \
      --ignore-obsolete
  else
    "$PYBABEL" -q init -i locales/messages.pot -d locales -l zh
  fi
fi
"$PYBABEL" -q compile -d locales --use-fuzzy 2>/dev/null || "$PYBABEL" -q compile -d locales
