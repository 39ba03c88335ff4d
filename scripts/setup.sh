#!/usr/bin/env bash
# Yizhan set-up for a fresh Debian/Ubuntu machine, then one of:
#   scripts/setup.sh --run    a kiosk: install only what the kiosk and the demo need, start the demo
#   scripts/setup.sh --test   a developer machine or CI: install everything, run the whole test suite
# Installs only what is missing: Debian packages (needs root — or it prints the `sudo apt-get install`
# line), a virtual environment in .venv, and the project (`.[kiosk]` for --run, `.[dev]` for --test).
set -euo pipefail
cd "$(dirname "$0")/.."

MODE="${1:---run}"
VENV=.venv

# What a kiosk needs at run time (also what scripts/bundle.sh puts on the USB stick).
RUN_PACKAGES=(
  python3-venv
  espeak-ng libespeak-ng1            # pyttsx3's speech engine on Linux
  fonts-noto-cjk fonts-wqy-microhei  # Chinese and Korean glyphs (no boxes)
  libportaudio2                      # microphone access (sounddevice)
  libasound2 libpulse0               # Qt Multimedia (sounds, chimes)
  libzinnia0 tegaki-zinnia-simplified-chinese  # handwriting recognition (Zinnia + its Simplified Chinese model)
  # Qt itself and every library its xcb platform plugin (libqxcb.so, libQt6XcbQpa.so) links to —
  # with icccm4 or keysyms1 missing, Qt blames libxcb-cursor0 instead (tests/deploy checks with ldd).
  libegl1 libgl1 libfontconfig1 libfreetype6 libdbus-1-3 libglib2.0-0 libxkbcommon0
  libxkbcommon-x11-0 libx11-6 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
  libxcb-randr0 libxcb-render-util0 libxcb-render0 libxcb-shape0 libxcb-shm0 libxcb-sync1
  libxcb-util1 libxcb-xfixes0 libxcb-xkb1 libxcb-glx0
)
# Only for the test suite and the hub tests, on top of RUN_PACKAGES.
TEST_PACKAGES=(
  python3-dev
  sox                                # test audio for the voice tests
  postgresql                         # the hub's production database (tests start a throwaway cluster)
  chromium chromium-driver           # browser tests of the hub's staff console
  cups printer-driver-cups-pdf       # receipts print through a real CUPS queue (tests start cupsd)
  nginx openssl                      # the hub behind a TLS reverse proxy (tests/deploy)
  systemd                            # systemd-analyze verify on the units in deploy/ and autostart
  xvfb xdotool                       # a real X window for end-to-end checks
)

case "$MODE" in
  --run) DEB_PACKAGES=("${RUN_PACKAGES[@]}"); EXTRAS=kiosk ;;
  --test) DEB_PACKAGES=("${RUN_PACKAGES[@]}" "${TEST_PACKAGES[@]}"); EXTRAS=dev ;;
  *)
    echo "usage: scripts/setup.sh [--run [--windowed]|--test]" >&2
    exit 2
    ;;
esac

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
# One stamp per pyproject.toml and extra; a dev install already holds everything a kiosk needs.
hash="$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$VENV/.installed-$hash-$EXTRAS" ] && [ ! -f "$VENV/.installed-$hash-dev" ]; then
  echo "== installing Yizhan [$EXTRAS] into $VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q -e ".[$EXTRAS]"
  rm -f "$VENV"/.installed-*
  touch "$VENV/.installed-$hash-$EXTRAS"
fi

case "$MODE" in
  --run)
    DATA="${YIZHAN_DATA_DIR:-$("$VENV/bin/python" -m desktop.paths)}"  # the folder every yizhan command uses
    if [ ! -f "$DATA/station.key" ]; then
      "$VENV/bin/yizhan" demo --data-dir "$DATA"
    else
      echo "== demo station in $DATA (passphrase yizhan-demo-2026, volunteer PIN 2468, admin PIN 1357)"
    fi
    echo "== next time, start it with: $VENV/bin/yizhan run --data-dir $DATA"
    shift || true
    exec "$VENV/bin/yizhan" run --data-dir "$DATA" "$@"
    ;;
  --test)
    export QT_QPA_PLATFORM=offscreen
    echo "== ruff"
    "$VENV/bin/ruff" check .
    "$VENV/bin/ruff" format --check .
    echo "== mypy"
    "$VENV/bin/mypy" models sync voice server desktop ui handwriting tests bench
    echo "== vulture (dead code, high confidence)"
    "$VENV/bin/vulture" models sync voice server desktop ui handwriting --min-confidence 80
    echo "== pytest"
    # Coverage of the project's packages, measured in the test process (hub and kiosk subprocesses
    # are not traced): a summary per file that is not fully covered, and the total.
    # Two workers (pytest-xdist), whole files per worker: module fixtures such as the CUPS scheduler and
    # the offline bundle are built once, and most tests wait on hubs, browsers and subprocesses. The
    # longest files are handed out first (tests/conftest.py; --no-loadscope-reorder in pyproject.toml).
    exec "$VENV/bin/pytest" -q -n "${YIZHAN_TEST_WORKERS:-2}" --dist loadfile \
      --cov=models --cov=sync --cov=voice --cov=server --cov=desktop --cov=ui --cov=handwriting \
      --cov-report=term:skip-covered --durations=40
    ;;
esac
