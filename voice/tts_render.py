"""Child-process entry point that renders one prompt to a WAV with pyttsx3.

pyttsx3's run loop blocks and is not re-entrant, so each render runs in its own short process that
the speaker can kill at once (`python -m voice.tts_render --voice cmn --rate 150 OUT TEXT`).
pyttsx3 2.99's espeak driver silently writes nothing for longer texts; then the same espeak-ng
engine is called through its command line instead.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import subprocess
import sys
import wave


def _readable(path: str) -> bool:
    try:
        with wave.open(path, "rb") as f:
            return f.getnframes() > 0
    except (OSError, EOFError, wave.Error):
        return False


def render_pyttsx3(text: str, voice: str, rate: int, volume: float, out: str) -> None:
    import pyttsx3

    engine = pyttsx3.init()
    for candidate in engine.getProperty("voices"):
        languages = [str(x) for x in (candidate.languages or [])]
        if voice in (candidate.id, candidate.id.split("/")[-1]) or voice in languages:
            engine.setProperty("voice", candidate.id)
            break
    engine.setProperty("rate", rate)
    engine.setProperty("volume", volume)
    with contextlib.redirect_stdout(io.StringIO()):  # the driver prints "Audio saved to …"
        engine.save_to_file(text, out)
        engine.runAndWait()


def render_espeak_cli(text: str, voice: str, rate: int, volume: float, out: str) -> None:
    binary = shutil.which("espeak-ng") or shutil.which("espeak")
    if binary is None:
        raise SystemExit("no speech engine produced audio (espeak-ng not found)")
    amplitude = str(max(0, min(200, int(volume * 100))))
    # --stdin: the text (it may name a resident) never appears on a command line (ps, /proc).
    subprocess.run(
        [binary, "-v", voice, "-s", str(rate), "-a", amplitude, "-w", out, "--stdin"],
        input=text.encode("utf-8"),
        check=True,
    )


def render(text: str, voice: str, rate: int, volume: float, out: str) -> None:
    """pyttsx3 first; the espeak-ng CLI when pyttsx3 wrote nothing. Each writes its own file: the
    pyttsx3 driver can still be calling back into a file after runAndWait returns (its weak-reference
    errors), so the two must never share one."""
    via_pyttsx3, via_cli = out + ".pyttsx3.wav", out + ".cli.wav"
    for path in (out, via_pyttsx3, via_cli):
        if os.path.exists(path):
            os.remove(path)
    try:
        render_pyttsx3(text, voice, rate, volume, via_pyttsx3)
        chosen = via_pyttsx3
        if not _readable(via_pyttsx3) and sys.platform.startswith("linux"):
            render_espeak_cli(text, voice, rate, volume, via_cli)
            chosen = via_cli
        if not _readable(chosen):
            raise SystemExit("the speech engine produced no audio")
        os.replace(chosen, out)
    finally:
        for path in (via_pyttsx3, via_cli):
            if os.path.exists(path):
                os.remove(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--voice", required=True)
    parser.add_argument("--rate", type=int, default=150)
    parser.add_argument("--volume", type=float, default=1.0)
    parser.add_argument("out")
    parser.add_argument("text", nargs="?", help="the text; read from standard input when omitted")
    args = parser.parse_args(argv)
    # Everything this process (and the espeak-ng it may start) writes is for this user only: a
    # one-off rendering can name a resident. Safe here: this short process has one thread.
    os.umask(0o077)
    text = args.text if args.text is not None else sys.stdin.buffer.read().decode("utf-8")
    render(text, args.voice, args.rate, args.volume, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
