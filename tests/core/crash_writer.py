"""Child process for the crash test: writes records forever, printing each id once it is committed."""

from __future__ import annotations

import sys
from pathlib import Path

from models.station import KIOSK, Station
from tests.core.conftest import PASSPHRASE, resident


def main() -> None:
    data_dir, start = Path(sys.argv[1]), int(sys.argv[2])
    station = Station.open(data_dir, PASSPHRASE)
    print("ready", flush=True)
    n = start
    while True:
        rid = station.residents.add(resident(n), KIOSK)
        print(f"resident {rid}", flush=True)
        rec = station.requests.submit("problem_report", {"description": f"第{n}件"}, KIOSK, resident_id=rid)
        print(f"request {rec.id} {rec.receipt_code}", flush=True)
        n += 1


if __name__ == "__main__":
    main()
