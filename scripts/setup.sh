#!/usr/bin/env bash
# Yizhan set-up for a fresh Debian/Ubuntu machine, then one of:
#   scripts/setup.sh --run    start the kiosk on a demo station (SQLite, embedded)
#   scripts/setup.sh --test   run the whole test suite (ruff, mypy, pytest)
# Installs only what is missing: Debian packages (needs root — or run it with sudo), a virtual
# environment in .venv, and the project with its dev dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

MODE="${1:---run}"
VENV=.venv
DEB_PACKAGES=(
  python3-venv python3-dev
  espeak-ng libespeak-ng1            # pyttsx3's speech engine on Linux
  fonts-noto-cjk fonts-wqy-microhei  # Chinese and Korean glyphs (no boxes)
  sox                                # test audio for the voice tests
  libportaudio2                      # microphone access (sounddevice)
  libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libfontconfig1 libdbus-1-3  # Qt
  libnss3 libasound2                 # Qt WebEngine-free, but Qt Multimedia needs ALSA
  libzinnia0 tegaki-zinnia-simplified-chinese  # handwriting recognition (Zinnia + its Simplified Chinese model)
  postgresql                         # the hub's production database (tests start a throwaway cluster)
  chromium chromium-driver           # browser tests of the hub's staff console
)

missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" -eq 0 ]; then
    echo "== installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Missing Debian packages. Run this once as root, then run this script again:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

PY="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
  echo "== creating $VENV"
  "$PY" -m venv "$VENV"
fi
stamp="$VENV/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "== installing Yizhan and its dependencies into $VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q -e ".[dev]"
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi

case "$MODE" in
  --run)
    DATA="${YIZHAN_DATA_DIR:-$HOME/.local/share/yizhan-demo}"
    if [ ! -f "$DATA/station.key" ]; then
      "$VENV/bin/yizhan" demo --data-dir "$DATA"
    else
      echo "== demo station in $DATA (passphrase yizhan-demo-2026, volunteer PIN 2468, admin PIN 1357)"
    fi
    shift || true
    exec "$VENV/bin/yizhan" run --data-dir "$DATA" "$@"
    ;;
  --test)
    export QT_QPA_PLATFORM=offscreen
    echo "== ruff"
    "$VENV/bin/ruff" check .
    echo "== mypy"
    "$VENV/bin/mypy" models sync voice server desktop ui
    echo "== pytest"
    exec "$VENV/bin/pytest" -q
    ;;
  *)
    echo "usage: scripts/setup.sh [--run [--windowed]|--test]" >&2
    exit 2
    ;;
esac
