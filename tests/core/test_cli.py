"""The `yizhan` admin commands, run as a user would run them (subprocesses, real files)."""

from __future__ import annotations

import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from models.export import read_export
from tests.core.conftest import PASSPHRASE, resident

ROOT = Path(__file__).resolve().parents[2]
ADMIN_PIN = "4826"


def yizhan(
    *args: str,
    passphrase: str | None = PASSPHRASE,
    env: dict[str, str] | None = None,
    limit_file_size: int | None = None,
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    full_env.pop("YIZHAN_PASSPHRASE", None)
    if passphrase is not None:
        full_env["YIZHAN_PASSPHRASE"] = passphrase

    def limits() -> None:
        if limit_file_size is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail like a full disk
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_size, limit_file_size))

    return subprocess.run(
        [sys.executable, "-m", "desktop.cli", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        preexec_fn=limits,
    )


@pytest.fixture
def initialised(tmp_path: Path) -> Path:
    data = tmp_path / "st"
    result = yizhan(
        "init",
        "--data-dir",
        str(data),
        "--station-name",
        "柳树湾村驿站",
        "--locale",
        "zh_CN",
        env={"YIZHAN_ADMIN_PIN": ADMIN_PIN},
    )
    assert result.returncode == 0, result.stderr
    return data


def _roster(rows: list[list[str]]) -> str:
    header = "name,id_number,phone,address,living_alone\n"
    return header + "".join(",".join(r) + "\n" for r in rows)


def test_init_then_status(initialised: Path) -> None:
    result = yizhan("status", "--data-dir", str(initialised), "--json")
    status = json.loads(result.stdout)
    assert status["residents"] == 0 and status["requests"] == {} and status["outbox"] == 0
    assert status["last_sync"] is None and status["key_id"] == 1


def test_init_refuses_to_overwrite(initialised: Path) -> None:
    again = yizhan(
        "init", "--data-dir", str(initialised), "--station-name", "x", env={"YIZHAN_ADMIN_PIN": ADMIN_PIN}
    )
    assert again.returncode != 0 and "refusing to overwrite" in again.stderr


def test_short_passphrase_refused(tmp_path: Path) -> None:
    result = yizhan(
        "init",
        "--data-dir",
        str(tmp_path / "s"),
        "--station-name",
        "x",
        passphrase="short",
        env={"YIZHAN_ADMIN_PIN": ADMIN_PIN},
    )
    assert result.returncode == 1 and "at least 8" in result.stderr


def test_wrong_passphrase_missing_dir_and_corrupt_key(initialised: Path, tmp_path: Path) -> None:
    wrong = yizhan("status", "--data-dir", str(initialised), passphrase="nope nope nope")
    assert wrong.returncode == 3 and "wrong passphrase" in wrong.stderr and "Traceback" not in wrong.stderr
    missing = yizhan("status", "--data-dir", str(tmp_path / "nowhere"))
    assert missing.returncode == 1 and "no station data folder" in missing.stderr
    no_pass = yizhan("status", "--data-dir", str(initialised), passphrase=None)
    assert no_pass.returncode == 1 and "YIZHAN_PASSPHRASE" in no_pass.stderr
    (initialised / "station.key").write_text('{"format": "yizhan-keyfile"}')
    corrupt = yizhan("status", "--data-dir", str(initialised))
    assert corrupt.returncode == 1 and "damaged" in corrupt.stderr


def test_demo_station(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    made = yizhan("demo", "--data-dir", str(data), "--residents", "12", "--requests", "5", passphrase=None)
    assert made.returncode == 0 and "yizhan-demo-2026" in made.stdout and "2468" in made.stdout
    status = json.loads(
        yizhan("status", "--data-dir", str(data), "--json", passphrase="yizhan-demo-2026").stdout
    )
    assert status["residents"] == 12 and sum(status["requests"].values()) == 5


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_roster_import_encodings(initialised: Path, tmp_path: Path, encoding: str) -> None:
    people = [resident(i) for i in range(3)]
    text = _roster(
        [[p.name, p.id_number, p.phone, p.address, "是" if p.living_alone else "否"] for p in people]
    )
    path = tmp_path / "roster.csv"
    path.write_bytes(text.encode(encoding))
    result = yizhan("resident", "import", "--data-dir", str(initialised), str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "imported 3 residents" in result.stdout
    assert json.loads(yizhan("status", "--data-dir", str(initialised), "--json").stdout)["residents"] == 3


def test_roster_bad_rows_reported_by_line(initialised: Path, tmp_path: Path) -> None:
    good, dup = resident(1), resident(2)
    rows = [
        [good.name, good.id_number, good.phone, good.address, "1"],  # line 2: ok
        ["张三", "110105194912310021", "", "", ""],  # line 3: check digit
        [dup.name, dup.id_number, "12345", "", ""],  # line 4: phone
        [dup.name, dup.id_number, dup.phone, "", ""],  # line 5: ok
        ["李四", dup.id_number, "", "", ""],  # line 6: duplicate in file
        ["", resident(3).id_number, "", "", ""],  # line 7: no name
    ]
    path = tmp_path / "roster.csv"
    path.write_text(_roster(rows), encoding="utf-8")
    result = yizhan("resident", "import", "--data-dir", str(initialised), str(path))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith(f"{path}:3:") and "有一位不对" in line for line in lines)
    assert any(line.startswith(f"{path}:4:") and "电话号码" in line for line in lines)
    assert any(line.startswith(f"{path}:6:") and "两次" in line for line in lines)
    assert any(line.startswith(f"{path}:7:") and "姓名" in line for line in lines)
    assert "imported 2 residents" in result.stdout
    again = yizhan("resident", "import", "--data-dir", str(initialised), str(path))
    assert "已经登记过了" in again.stdout and "imported 0 residents" in again.stdout


def test_roster_without_id_column_refused(initialised: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("姓名,电话\n王五,13800000000\n", encoding="utf-8")
    result = yizhan("resident", "import", "--data-dir", str(initialised), str(path))
    assert result.returncode == 1 and "id_number" in result.stderr


def test_audit_verify_reports_tampering(initialised: Path, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        _roster([[p.name, p.id_number, "", "", ""] for p in (resident(5), resident(6))]), encoding="utf-8"
    )
    yizhan("resident", "import", "--data-dir", str(initialised), str(path))
    assert yizhan("audit", "verify", "--data-dir", str(initialised)).returncode == 0
    with sqlite3.connect(initialised / "station.db") as conn:
        conn.execute("UPDATE audit_events SET action='read' WHERE seq=2")
    result = yizhan("audit", "verify", "--data-dir", str(initialised))
    assert result.returncode == 1 and "event #2: was changed" in result.stdout


def test_export_is_encrypted_and_audited(initialised: Path, tmp_path: Path) -> None:
    person = resident(9)
    path = tmp_path / "r.csv"
    path.write_text(_roster([[person.name, person.id_number, person.phone, "", ""]]), encoding="utf-8")
    yizhan("resident", "import", "--data-dir", str(initialised), str(path))
    out = tmp_path / "export.bin"
    result = yizhan("export", "--data-dir", str(initialised), "--out", str(out))
    assert result.returncode == 0, result.stderr
    blob = out.read_bytes()
    assert person.name.encode() not in blob and person.id_number.encode() not in blob
    document = read_export(out, PASSPHRASE)
    assert document["residents"][0]["id_number"] == person.id_number
    with sqlite3.connect(initialised / "station.db") as conn:
        assert conn.execute("SELECT count(*) FROM audit_events WHERE action='export'").fetchone()[0] == 1


def test_passphrase_change_and_key_rotate(initialised: Path) -> None:
    changed = yizhan(
        "passphrase",
        "change",
        "--data-dir",
        str(initialised),
        env={"YIZHAN_NEW_PASSPHRASE": "another passphrase"},
    )
    assert changed.returncode == 0, changed.stderr
    assert yizhan("status", "--data-dir", str(initialised)).returncode == 3
    rotated = yizhan("key", "rotate", "--data-dir", str(initialised), passphrase="another passphrase")
    assert json.loads(rotated.stdout)["active_key_id"] == 2
    purge = yizhan("purge", "--data-dir", str(initialised), "--dry-run", passphrase="another passphrase")
    assert purge.returncode == 0 and "would purge 0" in purge.stdout


def test_disk_full_is_clear_and_loses_nothing(initialised: Path, tmp_path: Path) -> None:
    before = json.loads(yizhan("status", "--data-dir", str(initialised), "--json").stdout)
    path = tmp_path / "big.csv"
    path.write_text(
        _roster([[p.name, p.id_number, p.phone, p.address * 3, ""] for p in map(resident, range(3000))]),
        encoding="utf-8",
    )
    size = (initialised / "station.db").stat().st_size
    full = yizhan(
        "resident", "import", "--data-dir", str(initialised), str(path), limit_file_size=size + 64 * 1024
    )
    assert full.returncode == 5, full.stderr
    assert "disk is full" in full.stderr and "Traceback" not in full.stderr
    with sqlite3.connect(initialised / "station.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    after = json.loads(yizhan("status", "--data-dir", str(initialised), "--json").stdout)
    assert after["residents"] == before["residents"] == 0  # all or nothing: no half import


def test_roster_with_an_unreadable_cell_says_so_kindly(initialised: Path, tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    path.write_text(_roster([["王" * 200_000, resident(1).id_number, "", "", ""]]), encoding="utf-8")
    result = yizhan("resident", "import", "--data-dir", str(initialised), str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "line 2" in result.stderr and "CSV" in result.stderr
