"""Train the Mandarin intent model from the labelled corpora and write its weights into the catalogue.

    PYTHONPATH=. .venv/bin/python scripts/train_zh_intent_model.py

Deterministic (full-batch training from zero weights, no randomness; weights rounded to 10^-4), so
running it again on the same corpora writes the same file — tests/voice/test_concepts.py checks that.
The training set is tests/voice/corpus/training.py's (never the held-out zh_fresh5 corpus).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.voice.corpus.training import bundled_model
from voice.intent_model import MODEL_FILE


def main() -> None:
    model = bundled_model()
    MODEL_FILE.write_text(json.dumps(model.as_json(), ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"{MODEL_FILE}: {len(model.classes)} classes, {len(model.features)} features")


if __name__ == "__main__":
    main()
