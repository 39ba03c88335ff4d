"""Import of paper ledgers (台账): historical requests from a CSV, queued for sync like any request.

Header: `date,service,id_number,category,description,status,reply` (UTF-8 with or without BOM,
or GBK as Excel writes it on Chinese Windows). `service` and `category` are catalogue ids; status
(received | in_progress | done | rejected) and reply are optional. Each row is checked with the
kiosk's own rules (catalogue ids, ID number check digit, clean text within the step's length); a
resident who is not registered on this station is reported, never invented. Bad rows are reported
by line; the good ones are submitted in one transaction each, marked `imported` with the ledger's
date, status and reply inside the sealed fields (the hub counts their topics on the ledger date).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from models.catalogue import Catalogue, bundled_catalogue
from models.csv_import import CsvFileError, ImportReport, read_csv
from models.validation import ValidationError, clean_text, normalize_id_number

if TYPE_CHECKING:
    from models.station import Actor, Station

HEADER = ("date", "service", "id_number", "category", "description", "status", "reply")
REQUIRED = ("date", "service", "id_number")
STATUSES = ("received", "in_progress", "done", "rejected")
NOT_FROM_LEDGERS = ("daily_checkin", "help_call", "rating", "my_requests", "notices")
OLDEST = dt.date(2000, 1, 1)

__all__ = ["import_ledger", "parse_ledger"]


@dataclass(frozen=True)
class LedgerRow:
    line: int
    day: dt.date
    service: str
    id_number: str
    fields: dict[str, Any]


def _date(value: str, today: dt.date) -> dt.date:
    try:
        day = dt.date.fromisoformat(value.replace("/", "-").strip())
    except ValueError:
        raise ValueError(f"日期“{value}”看不懂，请写成 2025-03-18") from None
    if day > today:
        raise ValueError("日期在将来，请核对")
    if day < OLDEST:
        raise ValueError("日期太早（2000年以前），请核对")
    return day


def _step_options(catalogue: Catalogue, service: str, step_id: str) -> tuple[str, ...] | None:
    for step in catalogue.get(service).steps:
        if step.id == step_id:
            return tuple(o.id for o in step.options)
    return None


def _text_limit(catalogue: Catalogue, service: str, step_id: str) -> int | None:
    for step in catalogue.get(service).steps:
        if step.id == step_id and step.kind == "text":
            return step.max_length
    return None


def _row(record: dict[str, str], line: int, catalogue: Catalogue, today: dt.date) -> LedgerRow:
    """One ledger row checked with the kiosk's rules; ValueError/ValidationError says what is wrong."""
    day = _date(record["date"], today)
    service = record["service"].strip()
    if service not in catalogue.ids() or service in NOT_FROM_LEDGERS:
        raise ValueError(f"事项“{service}”不在服务目录里")
    id_number = normalize_id_number(record["id_number"])
    fields: dict[str, Any] = {"imported": True, "ledger_date": day.isoformat()}
    category = record.get("category", "").strip()
    if category:
        options = _step_options(catalogue, service, "category")
        if options is None:
            raise ValueError(f"事项“{service}”没有类别，请把类别一栏留空")
        if category not in options:
            raise ValueError(f"类别“{category}”不在“{service}”的选项里")
        fields["category"] = category
    description = record.get("description", "")
    if description.strip():
        limit = _text_limit(catalogue, service, "description") or 500
        fields["description"] = clean_text(description, max_length=limit, multiline=True)
    status = record.get("status", "").strip()
    if status and status not in STATUSES:
        raise ValueError(f"状态“{status}”只能是 {'、'.join(STATUSES)} 之一")
    if status:
        fields["ledger_status"] = status
    reply = record.get("reply", "").strip()
    if reply:
        fields["ledger_reply"] = clean_text(reply, max_length=1000, multiline=True)
    return LedgerRow(line, day, service, id_number, fields)


def parse_ledger(
    data: bytes, catalogue: Catalogue | None = None, today: dt.date | None = None
) -> tuple[list[LedgerRow], list[tuple[int, str]]]:
    """Good rows and (line, reason) for each bad one."""
    catalogue = catalogue or bundled_catalogue()
    today = today or dt.date.today()
    raw_header, lines = read_csv(data)
    header = [h.strip().lower() for h in raw_header]
    missing = [name for name in REQUIRED if name not in header]
    unknown = [name for name in header if name and name not in HEADER]
    if missing or unknown:
        raise CsvFileError(
            f"the header must be {','.join(HEADER)} (missing: {', '.join(missing) or '-'}; "
            f"unknown: {', '.join(unknown) or '-'})"
        )
    rows: list[LedgerRow] = []
    errors: list[tuple[int, str]] = []
    for line, values in lines:
        record = {col: val for col, val in zip(header, values, strict=False)}
        record.update({col: "" for col in HEADER if col not in record})
        try:
            rows.append(_row(record, line, catalogue, today))
        except ValidationError as exc:
            errors.append((line, exc.message("zh_CN")))
        except (ValueError, KeyError) as exc:
            errors.append((line, str(exc)))
    return rows, errors


def import_ledger(station: Station, data: bytes, actor: Actor) -> ImportReport:
    """Queue every good row for sync; report bad rows and residents not registered on this station."""
    rows, errors = parse_ledger(data, today=dt.date.today())
    report = ImportReport(errors=errors)
    for row in rows:
        resident = station.residents.find_by_id_number(row.id_number, actor)
        if resident is None:
            report.errors.append((row.line, "这位居民还没有在本站登记，请先登记居民再导入（没有自动新建）"))
            continue
        station.requests.submit(row.service, row.fields, actor, resident_id=resident.id)
        report.imported += 1
    report.errors.sort()
    return report
