"""Voice subcommands: `yizhan intent`, `yizhan voice recognize|say|install-model`.

Handlers import voice/ lazily so the CLI starts fast; bad input ends in a UserFacingError.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from desktop.errors import UserFacingError

LOCALES = ("zh_CN", "en", "ko")


def _locale(value: str) -> str:
    aliases = {"zh": "zh_CN", "zh-cn": "zh_CN", "zh_cn": "zh_CN", "cn": "zh_CN", "ko_kr": "ko", "en_us": "en"}
    locale = aliases.get(value.lower(), value)
    if locale not in LOCALES:
        raise argparse.ArgumentTypeError(f"unknown locale {value!r} (choose from {', '.join(LOCALES)})")
    return locale


def register(sub: Any) -> None:
    intent = sub.add_parser("intent", help="match text to a voice intent (prints one JSON line)")
    intent.add_argument("--locale", type=_locale, default="zh_CN")
    intent.add_argument("--screen", default="home", help="home, or SERVICE/STEP for a choose step")
    intent.add_argument("text", nargs="+")
    intent.set_defaults(handler=_intent)

    voice = sub.add_parser("voice", help="speech recognition, prompts and models")
    voice_sub = voice.add_subparsers(dest="voice_command", metavar="ACTION")
    voice.set_defaults(handler=lambda args: _help(voice))

    recognize = voice_sub.add_parser("recognize", help="recognise a WAV file through the kiosk pipeline")
    recognize.add_argument("--locale", type=_locale, default="zh_CN")
    recognize.add_argument("--screen", default="home")
    recognize.add_argument(
        "--dictation", action="store_true", help="free dictation instead of the screen grammar"
    )
    recognize.add_argument("--models-dir", type=Path)
    recognize.add_argument("file", type=Path)
    recognize.set_defaults(handler=_recognize)

    say = voice_sub.add_parser("say", help="speak a text (or render it to a WAV with --out)")
    say.add_argument("--locale", default="zh_CN", help="zh_CN, en, ko, or a voice locale yue / hak")
    say.add_argument("--rate", type=int)
    say.add_argument("--out", type=Path)
    say.add_argument("text", nargs="+")
    say.set_defaults(handler=_say)

    install = voice_sub.add_parser(
        "install-model", help="install a speech model (zh: vosk-model-small-cn-0.22)"
    )
    install.add_argument("language", choices=["zh"])
    install.add_argument("--from-file", type=Path, help="a zip already downloaded (e.g. on a USB stick)")
    install.add_argument("--url", help="download from this mirror instead of the official site")
    install.add_argument("--sha256", help="expected SHA-256 when the mirror serves a different build")
    install.add_argument("--models-dir", type=Path)
    install.set_defaults(handler=_install)


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _intent(args: argparse.Namespace) -> int:
    from voice.matcher import IntentMatcher
    from voice.screens import screen_intents

    try:
        table = screen_intents(args.screen, args.locale)
    except ValueError as exc:
        raise UserFacingError(str(exc)) from None
    result = IntentMatcher(table, args.locale).match_text(" ".join(args.text))
    print(json.dumps(result.as_dict(), ensure_ascii=False))
    return 0


def _recognize(args: argparse.Namespace) -> int:
    from voice.controller import VoiceController
    from voice.pipeline import Collector, run_wav
    from voice.screens import screen_intents

    if not args.file.is_file():
        raise UserFacingError(f"{args.file}: no such file")
    try:
        screen_intents(args.screen, args.locale)
    except ValueError as exc:
        raise UserFacingError(str(exc)) from None
    collector = Collector()
    controller = VoiceController(collector.callbacks, models_dir=args.models_dir)
    try:
        controller.set_screen(args.screen, args.locale, dictation=args.dictation)
        if not controller.wait_ready(120):
            status = controller.status
            raise UserFacingError(f"{status.message} ({status.detail})" if status.detail else status.message)
        try:
            outcome = run_wav(controller, collector, args.file)
        except ValueError as exc:
            raise UserFacingError(str(exc)) from None
        report = outcome.as_dict()
        if controller.last_grammar and controller.last_grammar.uncovered:
            report["uncovered_phrases"] = [str(u) for u in controller.last_grammar.uncovered]
        print(json.dumps(report, ensure_ascii=False))
    finally:
        controller.close()
    return 0


def _say(args: argparse.Namespace) -> int:
    from voice.guard import mask_sensitive
    from voice.tts import VOICES, PromptCache, Speaker, TtsError, TtsSettings

    locale = _locale(args.locale) if args.locale not in VOICES else args.locale
    settings = TtsSettings()
    if args.rate:
        settings = TtsSettings(rates={**settings.rates, locale: args.rate})
    text = mask_sensitive(" ".join(args.text), locale)
    try:
        if args.out:
            PromptCache().render(text, settings.voice(locale), settings.rate(locale), out=args.out)
            print(args.out)
            return 0
        speaker = Speaker(settings)
        speaker.say(text, locale)
        speaker.wait_idle(120)
        speaker.close()
    except TtsError as exc:
        raise UserFacingError(str(exc)) from None
    return 0


def _install(args: argparse.Namespace) -> int:
    from voice.installer import ModelInstallError, install_model
    from voice.models import default_models_dir

    def progress(done: int, total: int | None) -> None:
        if total:
            print(
                f"\r{done / 1e6:6.1f} / {total / 1e6:.1f} MB  {100 * done / total:5.1f}%",
                end="",
                file=sys.stderr,
            )
        else:
            print(f"\r{done / 1e6:6.1f} MB", end="", file=sys.stderr)

    try:
        path = install_model(
            args.language,
            default_models_dir(args.models_dir),
            url=args.url,
            from_file=args.from_file,
            sha256=args.sha256,
            progress=progress,
        )
    except ModelInstallError as exc:
        print(file=sys.stderr)
        raise UserFacingError(str(exc)) from None
    print(file=sys.stderr)
    print(f"installed {path}")
    return 0
