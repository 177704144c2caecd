#!/usr/bin/env bash
# The package as users get it must speak Vietnamese. Builds a wheel from the checkout's files as a clean clone
# has them (tracked and new files; no compiled catalogs, no build leftovers), installs it into a fresh venv
# under /tmp, and from another folder checks that the CLI and the catalogs answer in Vietnamese.
# Exits non-zero otherwise. .ci/run runs it; `make check-wheel` too.
set -euo pipefail
cd "$(dirname "$0")/.."
checkout="$PWD"
PYTHON="${PYTHON:-python3}"
work="$(mktemp -d /tmp/nhacviec-wheel.XXXXXX)"
trap 'rm -rf "$work"' EXIT

mkdir "$work/src"
git ls-files -z --cached --others --exclude-standard \
  | tar --null --files-from=- --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$work/src"
if ls "$work"/src/locales/*/LC_MESSAGES/*.mo >/dev/null 2>&1; then
  echo "check_wheel: compiled catalogs in the source tree; they must come from the build" >&2
  exit 1
fi

"$PYTHON" -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --upgrade pip
"$work/venv/bin/pip" wheel --quiet --no-deps --wheel-dir "$work/dist" "$work/src"
wheel="$(ls "$work"/dist/nhacviec-*.whl)"
"$work/venv/bin/pip" install --quiet "$wheel"

mkdir "$work/elsewhere"
cd "$work/elsewhere"  # nothing of the checkout on sys.path, no .env
env -u PYTHONPATH "$work/venv/bin/python" - "$wheel" "$checkout/locales" <<'EOF'
import sys
import zipfile
from pathlib import Path

from babel.messages.pofile import read_po

import bot
from bot.i18n import DOMAINS, missing_catalogs, translator

wheel, sources = sys.argv[1], Path(sys.argv[2])
assert Path(bot.__file__).resolve().is_relative_to(Path(sys.prefix).resolve()), f"bot imported from {bot.__file__}"
names = set(zipfile.ZipFile(wheel).namelist())
for domain in DOMAINS:
    assert f"bot/locales/vi/LC_MESSAGES/{domain}.mo" in names, f"the wheel has no {domain}.mo"
assert missing_catalogs() == [], missing_catalogs()
vi = translator("vi")
assert vi("Show progress") == "Xem tiến độ công việc", vi("Show progress")
for domain in DOMAINS:  # every domain's catalog answers as its .po says
    with (sources / "vi" / "LC_MESSAGES" / f"{domain}.po").open("rb") as handle:
        message = next(m for m in read_po(handle) if m.id and isinstance(m.id, str) and m.string and not m.fuzzy)
    assert vi(message.id) == message.string, (domain, message.id, vi(message.id))
print("check_wheel: the installed package translates every domain into Vietnamese")
EOF

help="$(env -u PYTHONPATH COLUMNS=120 "$work/venv/bin/nhacviec" --help)"
for expected in "Cách dùng:" "Hiện hướng dẫn này rồi thoát." "Bot Telegram nhắc việc"; do
  if ! grep -qF "$expected" <<<"$help"; then
    echo "check_wheel: 'nhacviec --help' does not say '$expected':" >&2
    echo "$help" >&2
    exit 1
  fi
done
# Not refused for missing catalogs: the first thing `run` misses here is the token.
set +e
refusal="$(env -u PYTHONPATH -u TELEGRAM_BOT_TOKEN "$work/venv/bin/nhacviec" run 2>&1)"
code=$?
set -e
if [ "$code" -ne 2 ] || ! grep -qF "Chưa có mã bot Telegram" <<<"$refusal"; then
  echo "check_wheel: 'nhacviec run' without a token answered (exit $code):" >&2
  echo "$refusal" >&2
  exit 1
fi
echo "check_wheel: $(basename "$wheel") speaks Vietnamese"
