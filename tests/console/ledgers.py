"""Paper-ledger (台账) CSV for the console tests: one registered resident's rows, written the way a
village office's spreadsheet saves them, imported on an enrolled station."""

from __future__ import annotations

from models.ledger import import_ledger
from tests.console.conftest import VOLUNTEER, EnrolledStation, person

HEADER = "date,service,id_number,category,description,status,reply"


def ledger_csv(rows: list[str], encoding: str = "gbk") -> bytes:
    """The header and `rows` (each the columns after the header's), one per line."""
    return "\n".join([HEADER, *rows, ""]).encode(encoding)


def import_for_resident(st: EnrolledStation, number: int, rows: list[str], encoding: str = "gbk") -> int:
    """Register `person(number)` on the station and import `rows`, each with `{id}` standing for that
    resident's ID number; asserts every row was taken and returns how many."""
    known = person(number)
    st.station.residents.add(known, VOLUNTEER)
    data = ledger_csv([row.format(id=known.id_number) for row in rows], encoding)
    report = import_ledger(st.station, data, VOLUNTEER)
    assert report.ok and report.imported == len(rows), report
    return report.imported
