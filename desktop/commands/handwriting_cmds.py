"""`yizhan handwriting recognize --strokes FILE.json`: the kiosk's handwriting recogniser from outside.

Prints `{"candidates": [{"char": "十", "score": 0.99}, …]}`; bad files end in a clear one-line error.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from desktop.errors import UserFacingError

MESSAGES = {
    "empty": "the file has no strokes: nothing was written on the pad",
    "too_many": "too many strokes or points for one character",
}


def register(sub: Any) -> None:
    hw = sub.add_parser("handwriting", help="handwriting recognition (Simplified Chinese, Zinnia)")
    hw_sub = hw.add_subparsers(dest="handwriting_command", metavar="ACTION")
    hw.set_defaults(handler=lambda args: (hw.print_help(), 2)[1])
    rec = hw_sub.add_parser("recognize", help="recognise one character from a JSON file of strokes")
    rec.add_argument(
        "--strokes", type=Path, required=True, help='{"width": W, "height": H, "strokes": [[[x, y], …], …]}'
    )
    rec.add_argument("--limit", type=int, default=10, help="how many candidates (default 10)")
    rec.set_defaults(handler=_recognize)


def _recognize(args: argparse.Namespace) -> int:
    from handwriting import HandwritingUnavailable, InkError, parse_ink, recognize

    try:
        data = json.loads(Path(args.strokes).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserFacingError(f"cannot read {args.strokes}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserFacingError(f"{args.strokes} is not a JSON file: {exc}") from None
    try:
        ink = parse_ink(data)
        candidates = recognize(ink, max(1, min(args.limit, 50)))
    except InkError as exc:
        raise UserFacingError(MESSAGES.get(exc.key, f"{args.strokes} is not a strokes file: {exc}")) from None
    except HandwritingUnavailable as exc:
        raise UserFacingError(f"handwriting recognition is not available: {exc}") from None
    print(json.dumps({"candidates": [c.as_json() for c in candidates]}, ensure_ascii=False))
    return 0
