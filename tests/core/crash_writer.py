"""Child process for the crash test: writes records forever, printing each id once it is committed.

`python -m tests.core.crash_writer DATA_DIR START` writes to stdout. `--forks` starts a fork server
instead: the imports are paid once, then for each line "DATA_DIR<TAB>START<TAB>LOG" read from stdin
it forks a writer (no database is open before the fork) whose lines go to LOG, prints the writer's
pid, waits for it to die and prints its wait status. The test SIGKILLs that forked writer, so fifty
kills do not cost fifty interpreter start-ups."""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import NoReturn, TextIO

from models.station import KIOSK, Station
from tests.core.conftest import PASSPHRASE, resident


def write_forever(data_dir: Path, start: int, out: TextIO) -> NoReturn:
    station = Station.open(data_dir, PASSPHRASE)
    print("ready", file=out, flush=True)
    n = start
    while True:
        rid = station.residents.add(resident(n), KIOSK)
        print(f"resident {rid}", file=out, flush=True)
        rec = station.requests.submit("problem_report", {"description": f"第{n}件"}, KIOSK, resident_id=rid)
        print(f"request {rec.id} {rec.receipt_code}", file=out, flush=True)
        n += 1


def serve_forks() -> None:
    for line in sys.stdin:
        data_dir, start, log = line.rstrip("\n").split("\t")
        pid = os.fork()
        if pid == 0:  # the writer
            try:
                with open(log, "a", encoding="utf-8") as out:
                    write_forever(Path(data_dir), int(start), out)
            except BaseException:
                traceback.print_exc()  # on the server's stderr, which the test shows
                raise
            finally:
                os._exit(1)  # never back into the server's loop
        print(pid, flush=True)
        _, status = os.waitpid(pid, 0)
        print(status, flush=True)


def main() -> None:
    if sys.argv[1] == "--forks":
        serve_forks()
    else:
        write_forever(Path(sys.argv[1]), int(sys.argv[2]), sys.stdout)


if __name__ == "__main__":
    main()
