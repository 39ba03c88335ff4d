"""Fixtures for the station core: a fresh encrypted station and deterministic valid ID numbers."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import TypedDict, Unpack

import pytest

from models.residents import ResidentInput
from models.station import Station
from models.validation import id_check_char

PASSPHRASE = "test passphrase 1"


def make_id(body17: str) -> str:
    return body17 + id_check_char(body17)


class ResidentFields(TypedDict, total=False):
    """Any ResidentInput field, to override in `resident()`."""

    name: str
    id_number: str
    phone: str
    address: str
    living_alone: bool
    emergency_contact: str
    consent: bool


def resident(n: int, **over: Unpack[ResidentFields]) -> ResidentInput:
    """The n-th test resident: distinct name, ID number and phone."""
    base = ResidentInput(
        name=f"测试{'甲乙丙丁戊己庚辛壬癸'[n % 10]}{n}",
        id_number=make_id(
            f"320102{1930 + (n // 1000) % 60}{(n % 12) + 1:02d}{(n % 28) + 1:02d}{n % 1000:03d}"
        ),
        phone=f"138{n:08d}",
        address=f"幸福村{n}号",
        living_alone=n % 2 == 0,
    )
    return dataclasses.replace(base, **over)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "station"


@pytest.fixture
def station(data_dir: Path) -> Iterator[Station]:
    st = Station.create(data_dir, PASSPHRASE, name="测试驿站", prefix="T01")
    yield st
    st.close()
