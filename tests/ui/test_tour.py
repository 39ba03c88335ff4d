"""The tour over every screen, in every locale: no control under 64 px, no text under 18 pt, a
heading of at least 30 pt on each screen, every control named, text contrast at least 7:1, and
controls at least 2.5 mm (10 px) apart — all measured from the live widgets (ui/measure.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import PASSPHRASE, create_station

LOCALES = ("zh_CN", "en", "ko")
MIN_TARGET_PX = 64
MIN_GAP_PX = 10
MIN_BODY_PT = 18
MIN_HEADING_PT = 30
MIN_CONTRAST = 7.0


@pytest.fixture(scope="session")
def tour_station(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return create_station(tmp_path_factory.mktemp("tour") / "station").path


@pytest.fixture(scope="session", params=LOCALES)
def manifest(request: pytest.FixtureRequest, tour_station: Path, tmp_path_factory: pytest.TempPathFactory,
             qapp: Any) -> dict[str, Any]:
    from desktop.app import AppContext
    from ui.tour import run_tour

    out = tmp_path_factory.mktemp(f"tour-{request.param}")
    ctx = AppContext(tour_station)
    try:
        path = run_tour(ctx, out, PASSPHRASE, locale=request.param, scale=1.0)
    finally:
        ctx.db.shutdown()
        if ctx.station is not None:
            ctx.station.close()
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    data["out"] = out
    return data


def _problems(manifest: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    for screen in manifest["screens"]:
        name, widgets = screen["name"], screen["widgets"]
        if not any(w["font_pt"] >= MIN_HEADING_PT for w in widgets):
            problems.append(f"{name}: no heading of {MIN_HEADING_PT} pt")
        for w in widgets:
            what = f"{name}: {w['class']} {w['accessible_name'] or w['text']!r}"
            if not w["accessible_name"]:
                problems.append(f"{what} has no accessible name")
            if w["interactive"] and not w["clipped"] and (w["w"] < MIN_TARGET_PX or w["h"] < MIN_TARGET_PX):
                problems.append(f"{what} is {w['w']}×{w['h']} px")
            if w["contrast"] is not None:
                if w["font_pt"] < MIN_BODY_PT:
                    problems.append(f"{what} text is {w['font_pt']} pt")
                if w["contrast"] < MIN_CONTRAST:
                    problems.append(f"{what} contrast {w['contrast']} ({w['fg']} on {w['bg']})")
        controls = [w for w in widgets if w["interactive"]]
        for i, a in enumerate(controls):
            for b in controls[i + 1:]:
                dx = max(b["x"] - (a["x"] + a["w"]), a["x"] - (b["x"] + b["w"]), 0)
                dy = max(b["y"] - (a["y"] + a["h"]), a["y"] - (b["y"] + b["h"]), 0)
                if max(dx, dy) < MIN_GAP_PX:
                    problems.append(f"{name}: {a['accessible_name']!r} and {b['accessible_name']!r} are {max(dx, dy)} px apart")
    return problems


def test_tour_meets_the_numbers(manifest: dict[str, Any]) -> None:
    assert _problems(manifest) == []


def test_tour_covers_every_screen_and_step(manifest: dict[str, Any]) -> None:
    from models.catalogue import bundled_catalogue

    names = {s["name"] for s in manifest["screens"]}
    for required in ("locked", "home", "receipt", "rating", "my_requests", "notices", "help", "idle", "pin",
                     "staff", "identify-error", "admin_settings"):
        assert required in names
    for service in bundled_catalogue().services:
        for index, step in enumerate(service.steps):
            assert f"service-{service.id}-{index + 1}-{step.id}" in names
    for screen in manifest["screens"]:
        png = manifest["out"] / screen["png"]
        assert png.exists() and png.stat().st_size > 10_000
        assert screen["widgets"], screen["name"]
        assert all(w["w"] <= 1920 and w["y"] + w["h"] <= 1080 for w in screen["widgets"]), screen["name"]


def test_tour_command_high_contrast(tour_station: Path, tmp_path: Path) -> None:
    env = {**os.environ, "YIZHAN_PASSPHRASE": PASSPHRASE, "QT_QPA_PLATFORM": "offscreen"}
    out = tmp_path / "hc"
    result = subprocess.run(
        [sys.executable, "-m", "desktop.cli", "tour", "--data-dir", str(tour_station), "--out", str(out),
         "--theme", "high_contrast"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert data["theme"] == "high_contrast"
    assert _problems(data) == []


def test_tour_without_passphrase_is_refused(tour_station: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "YIZHAN_PASSPHRASE"}
    result = subprocess.run(
        [sys.executable, "-m", "desktop.cli", "tour", "--data-dir", str(tour_station), "--out", str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode != 0 and "YIZHAN_PASSPHRASE" in result.stderr
