"""Station lifecycle from the command line: the first admin, staff accounts, one default data
folder, backup and restore, and clear words for a damaged database.

The commands run in this process (`desktop.cli.main`, the same entry point the `yizhan` script
calls) to keep the suite fast; tests/core/test_cli.py runs the real subprocess."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop.cli import main
from models.station import Actor, Station
from tests.core.conftest import PASSPHRASE, resident

ROOT = Path(__file__).resolve().parents[2]
ADMIN_PIN = "4826"
_capture: pytest.CaptureFixture[str] | None = None
_patch: pytest.MonkeyPatch | None = None


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture(autouse=True)
def _cli_io(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    global _capture, _patch
    _capture, _patch = capsys, monkeypatch
    for name in ("YIZHAN_DATA_DIR", "YIZHAN_PASSPHRASE", "YIZHAN_ADMIN_PIN", "YIZHAN_STAFF_PIN"):
        monkeypatch.delenv(name, raising=False)


def yizhan(*args: str, passphrase: str | None = PASSPHRASE, env: dict[str, str] | None = None) -> Result:
    assert _capture is not None and _patch is not None
    with _patch.context() as patch:
        if passphrase is not None:
            patch.setenv("YIZHAN_PASSPHRASE", passphrase)
        for key, value in (env or {}).items():
            patch.setenv(key, value)
        _capture.readouterr()
        code = main(list(args))
        out, err = _capture.readouterr()
    return Result(code, out, err)


@pytest.fixture
def initialised(tmp_path: Path) -> Path:
    data = tmp_path / "st"
    result = yizhan(
        "init", "--data-dir", str(data), "--station-name", "柳树湾村驿站", env={"YIZHAN_ADMIN_PIN": ADMIN_PIN}
    )
    assert result.returncode == 0, result.stderr
    return data


def _staff(data: Path) -> list[dict[str, object]]:
    result = yizhan("staff", "list", "--data-dir", str(data), "--json")
    assert result.returncode == 0, result.stderr
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return [{k: r[k] for k in ("name", "role", "active")} for r in rows]


def test_init_makes_the_first_admin_who_can_sign_in(initialised: Path) -> None:
    assert _staff(initialised) == [{"name": "管理员", "role": "admin", "active": True}]
    station = Station.open(initialised, PASSPHRASE)
    try:
        admin = station.volunteers.sign_in(ADMIN_PIN)
        assert admin is not None and admin.role == "admin"
    finally:
        station.close()


def test_init_refuses_a_weak_or_published_pin_and_makes_nothing(tmp_path: Path) -> None:
    for bad, words in (("1111", "太容易"), ("2468", "太容易"), ("12ab", "4到8位数字")):
        data = tmp_path / f"st-{bad}"
        result = yizhan("init", "--data-dir", str(data), "--station-name", "x", env={"YIZHAN_ADMIN_PIN": bad})
        assert result.returncode == 1 and words in result.stderr and "Traceback" not in result.stderr
        assert not data.exists()  # no station without an admin


def test_staff_add_reset_disable(initialised: Path) -> None:
    d = str(initialised)
    assert yizhan("staff", "add", "王志愿", "--data-dir", d, env={"YIZHAN_STAFF_PIN": "5937"}).returncode == 0
    weak = yizhan("staff", "add", "李四", "--data-dir", d, env={"YIZHAN_STAFF_PIN": "1234"})
    assert weak.returncode == 1 and "太容易" in weak.stderr
    taken = yizhan("staff", "add", "李四", "--data-dir", d, env={"YIZHAN_STAFF_PIN": ADMIN_PIN})
    assert taken.returncode == 1 and "已经有别的账号在用" in taken.stderr
    reset = yizhan("staff", "reset-pin", "王志愿", "--data-dir", d, env={"YIZHAN_STAFF_PIN": "6048"})
    assert reset.returncode == 0, reset.stderr
    station = Station.open(initialised, PASSPHRASE)
    try:
        signed = station.volunteers.sign_in("6048")
        assert signed is not None and signed.name == "王志愿"
    finally:
        station.close()
    assert yizhan("staff", "disable", "王志愿", "--data-dir", d).returncode == 0
    last = yizhan("staff", "disable", "管理员", "--data-dir", d)
    assert last.returncode == 1 and "最后一位管理员" in last.stderr
    assert yizhan("staff", "disable", "nobody", "--data-dir", d).returncode == 1
    assert _staff(initialised) == [
        {"name": "管理员", "role": "admin", "active": True},
        {"name": "王志愿", "role": "volunteer", "active": False},
    ]


def test_one_default_folder_for_every_command_and_setup_sh(tmp_path: Path) -> None:
    """`yizhan demo` and `yizhan status` without --data-dir meet in the folder `yizhan run` uses,
    and scripts/setup.sh --run puts its demo station there too."""
    env = {"XDG_DATA_HOME": str(tmp_path / "xdg"), "HOME": str(tmp_path / "home")}
    made = yizhan("demo", "--residents", "3", "--requests", "2", passphrase=None, env=env)
    assert made.returncode == 0, made.stderr
    status = yizhan("status", "--json", passphrase="yizhan-demo-2026", env=env)
    assert status.returncode == 0, status.stderr
    folder = json.loads(status.stdout)["data_dir"]
    kiosk = subprocess.run(
        [sys.executable, "-c", "from desktop.paths import data_dir; print(data_dir(None))"],
        cwd=ROOT,
        env={**_env(), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    assert kiosk.stdout.strip() == folder == str(tmp_path / "xdg" / "yizhan" / "station")
    line = next(
        x for x in (ROOT / "scripts" / "setup.sh").read_text().splitlines() if x.strip().startswith("DATA=")
    )
    shell = subprocess.run(
        ["bash", "-c", f'VENV="{Path(sys.executable).parent.parent}"\n{line}\necho "$DATA"'],
        cwd=ROOT,
        env={**_env(), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    assert shell.stdout.strip() == folder


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "YIZHAN_DATA_DIR"}
    env["PYTHONPATH"] = str(ROOT)
    return env


def test_demo_station_is_marked_in_status(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    assert (
        yizhan(
            "demo", "--data-dir", str(data), "--residents", "2", "--requests", "1", passphrase=None
        ).returncode
        == 0
    )
    text = yizhan("status", "--data-dir", str(data), passphrase="yizhan-demo-2026")
    assert text.returncode == 0 and "演示" in text.stdout.splitlines()[0]
    assert json.loads(
        yizhan("status", "--data-dir", str(data), "--json", passphrase="yizhan-demo-2026").stdout
    )["demo"]


def test_online_backup_and_restore(initialised: Path, tmp_path: Path) -> None:
    kiosk = Station.open(initialised, PASSPHRASE)  # the kiosk keeps running during the backup
    try:
        kept = kiosk.residents.add(resident(1), kiosk_actor())
        out = tmp_path / "backups" / "station-backup.db"
        out.parent.mkdir()
        made = yizhan("backup", "--data-dir", str(initialised), "--out", str(out))
        assert made.returncode == 0, made.stderr
        later = kiosk.requests.submit("problem_report", {"description": "备份之后"}, kiosk_actor())
        refused = yizhan("restore", "--from", str(out), "--data-dir", str(initialised))
        assert refused.returncode == 1 and "open in another program" in refused.stderr
    finally:
        kiosk.close()
    for path in (out, Path(f"{out}.key")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (
        yizhan("backup", "--data-dir", str(initialised), "--out", str(out)).returncode == 1
    )  # never overwrites

    restored = yizhan("restore", "--from", str(out), "--data-dir", str(initialised))
    assert restored.returncode == 0, restored.stderr
    assert "will not be used again" in restored.stdout  # the request made after the backup is named
    assert any(p.name.startswith("station.db.replaced-") for p in initialised.iterdir())
    station = Station.open(initialised, PASSPHRASE)
    try:
        assert station.residents.get(kept, kiosk_actor()).name == resident(1).name
        fresh = station.requests.submit("problem_report", {"description": "恢复之后"}, kiosk_actor())
        assert fresh.receipt_code != later.receipt_code  # a used receipt number is never handed out again
    finally:
        station.close()


def kiosk_actor() -> Actor:
    return Actor("admin", "a1")


def test_damaged_database_is_one_clear_sentence(initialised: Path) -> None:
    (initialised / "station.db").write_bytes(b"this is not a database" * 500)
    for side in ("station.db-wal", "station.db-shm"):
        (initialised / side).unlink(missing_ok=True)
    result = yizhan("status", "--data-dir", str(initialised))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "damaged" in lines[0] and "yizhan restore --from" in lines[0]


def test_resident_list_shows_the_others_and_flags_a_tampered_one(initialised: Path) -> None:
    station = Station.open(initialised, PASSPHRASE)
    try:
        ids = [station.residents.add(resident(i), kiosk_actor()) for i in range(3)]
    finally:
        station.close()
    with sqlite3.connect(initialised / "station.db") as conn:
        (ct,) = conn.execute("SELECT phone_ct FROM residents WHERE id=?", (ids[1],)).fetchone()
        conn.execute("UPDATE residents SET phone_ct=? WHERE id=?", (ct[:-2], ids[1]))
    listed = yizhan("resident", "list", "--data-dir", str(initialised))
    assert listed.returncode == 1 and "Traceback" not in listed.stderr
    assert listed.stdout.count("DAMAGED") == 1 and ids[1] in listed.stdout
    assert resident(0).name in listed.stdout and resident(2).name in listed.stdout
    assert resident(0).id_number not in listed.stdout  # masked
