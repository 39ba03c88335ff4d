"""Paper ledger (台账) import on the station: GBK CSV, each bad row reported by line with the kiosk's
own rules, an unregistered resident reported (never created), good rows queued for sync marked as
imported; at the hub their topics count on the ledger date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from desktop.cli import main as yizhan
from models.station import Station
from server.db.console_models import RequestTopic
from sync.engine import SyncEngine
from tests.console.conftest import (
    PASSPHRASE,
    VOLUNTEER,
    ConsoleHub,
    EnrolledStation,
    login_session,
    person,
)
from tests.console.ledgers import import_for_resident, ledger_csv

TODAY = dt.date.today()
FUTURE = (TODAY + dt.timedelta(days=3)).isoformat()


def ledger(known_id: str, stranger_id: str) -> bytes:
    bad_check = known_id[:17] + ("0" if known_id[17] != "0" else "1")
    return ledger_csv(
        [
            f"2025-03-18,problem_report,{known_id},road_light,村口路灯不亮了,done,已修好",  # 2 good
            f"2025/04/02,certificate,{known_id},,,received,",  # 3 good
            f"2025-13-40,problem_report,{known_id},road_light,日期不对,,",  # 4 bad date
            f"2025-03-18,fly_to_moon,{known_id},,,,",  # 5 unknown service
            f"2025-03-18,problem_report,{bad_check},road_light,身份证错一位,,",  # 6 check digit
            f"2025-03-18,problem_report,{stranger_id},road_light,没登记的人,,",  # 7 not registered
            f"2025-03-18,problem_report,{known_id},moon,类别不对,,",  # 8 bad category
            f"{FUTURE},problem_report,{known_id},road_light,将来的日期,,",  # 9 future
            f"2025-03-18,problem_report,{known_id},other,{'长' * 501},,",  # 10 over the kiosk's 500
            f"2025-03-18,problem_report,{known_id},other,问题,finished,",  # 11 bad status
        ]
    )  # GBK, as Excel saves it


def test_cli_reports_bad_rows_by_line_and_queues_good_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    station = Station.create(tmp_path / "st", PASSPHRASE, name="台账站", prefix="L01")
    known, stranger = person(501), person(502)
    station.residents.add(known, VOLUNTEER)
    station.close()
    csv_file = tmp_path / "taizhang.csv"
    csv_file.write_bytes(ledger(known.id_number, stranger.id_number))
    monkeypatch.setenv("YIZHAN_PASSPHRASE", PASSPHRASE)
    code = yizhan(["request", "import", "--data-dir", str(tmp_path / "st"), str(csv_file)])
    out = capsys.readouterr().out
    assert code == 1
    bad = sorted(int(line.split(":")[1]) for line in out.splitlines() if line.startswith(str(csv_file)))
    assert bad == [4, 5, 6, 7, 8, 9, 10, 11]
    assert "还没有在本站登记" in next(x for x in out.splitlines() if x.startswith(f"{csv_file}:7:"))
    assert "imported 2 requests" in out
    station = Station.open(tmp_path / "st", PASSPHRASE)
    try:
        queued = [r for r in station.requests.list() if r.fields.get("imported")]
        assert sorted(r.service for r in queued) == ["certificate", "problem_report"]
        assert all(r.state == "QUEUED" and r.receipt_code for r in queued)
        report = next(r for r in queued if r.service == "problem_report")
        assert report.fields["ledger_date"] == "2025-03-18" and report.fields["ledger_status"] == "done"
        assert station.residents.find_by_id_number(stranger.id_number, VOLUNTEER) is None  # never invented
    finally:
        station.close()


def test_a_file_that_cannot_be_read_is_a_message_and_imports_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    Station.create(tmp_path / "st", PASSPHRASE, name="台账站", prefix="L02").close()
    monkeypatch.setenv("YIZHAN_PASSPHRASE", PASSPHRASE)
    for content, says in (
        (b"\x81\x30\xff\xff", "neither UTF-8 nor GBK"),  # not text in either encoding
        (b"", "the file is empty"),
        ("日期,事项\n2025-03-18,problem_report\n".encode(), "the header must be"),
    ):
        csv_file = tmp_path / "taizhang.csv"
        csv_file.write_bytes(content)
        code = yizhan(["request", "import", "--data-dir", str(tmp_path / "st"), str(csv_file)])
        err = capsys.readouterr().err
        assert code != 0 and says in err and "Traceback" not in err, err


def test_imported_requests_reach_the_hub_on_their_ledger_date(
    hub: ConsoleHub, make_station: Callable[[ConsoleHub], EnrolledStation]
) -> None:
    st = make_station(hub)
    import_for_resident(st, 503, ["2025-03-18,problem_report,{id},road_light,村口路灯不亮了,,"], "utf-8-sig")
    assert SyncEngine(st.station).run_once().complete
    # Topic words are found after the push (server/services/topic_queue.py); the topics page, as
    # staff open it, counts every pushed request first.
    assert login_session(hub, "guanli").get(hub.url + "/console/topics", timeout=30).ok
    with hub.session() as session:
        rows = session.scalars(select(RequestTopic).where(RequestTopic.word == "路灯")).all()
        dates = {
            (r.received_at if r.received_at.tzinfo else r.received_at.replace(tzinfo=dt.UTC))
            .astimezone(dt.timezone(dt.timedelta(hours=8)))
            .date()
            for r in rows
        }
    assert dt.date(2025, 3, 18) in dates
