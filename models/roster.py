"""Import a village roster from CSV (name, id_number, phone, address, living_alone).

UTF-8 with or without a BOM, or GBK as Excel saves it (models/csv_import.py reads the file). Valid
rows are imported in one transaction; each bad row is reported with its line number and reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from models.csv_import import CsvFileError, ImportReport, read_csv
from models.residents import DUPLICATE_ID, ResidentInput, clean_input
from models.validation import Problem, ValidationError

if TYPE_CHECKING:
    from models.station import Actor, Station

# Accept the English column names and the Chinese ones volunteers are likely to type.
HEADER_ALIASES = {
    "name": "name",
    "姓名": "name",
    "id_number": "id_number",
    "身份证号": "id_number",
    "身份证号码": "id_number",
    "身份证": "id_number",
    "phone": "phone",
    "电话": "phone",
    "手机": "phone",
    "联系电话": "phone",
    "address": "address",
    "地址": "address",
    "住址": "address",
    "living_alone": "living_alone",
    "独居": "living_alone",
    "是否独居": "living_alone",
    "emergency_contact": "emergency_contact",
    "紧急联系人": "emergency_contact",
}
_TRUE = {"1", "true", "yes", "y", "是", "独居", "√"}
DUPLICATE_IN_FILE = Problem(
    "duplicate_in_file",
    "这个身份证号码在文件里出现了两次。",
    "This ID number appears twice in the file.",
    "파일에 같은 신분증 번호가 두 번 있습니다.",
)


def parse(data: bytes) -> tuple[list[tuple[int, ResidentInput]], list[tuple[int, str]]]:
    header, rows = read_csv(data)
    columns = [HEADER_ALIASES.get(h.strip().lower(), HEADER_ALIASES.get(h.strip(), "")) for h in header]
    for required in ("name", "id_number"):
        if required not in columns:
            raise CsvFileError(f"the header needs a column {required!r} (found: {', '.join(header)})")
    residents: list[tuple[int, ResidentInput]] = []
    errors: list[tuple[int, str]] = []
    for line, values in rows:
        record = {col: val.strip() for col, val in zip(columns, values, strict=False) if col}
        try:
            residents.append(
                (
                    line,
                    clean_input(
                        ResidentInput(
                            name=record.get("name", ""),
                            id_number=record.get("id_number", ""),
                            phone=record.get("phone", ""),
                            address=record.get("address", ""),
                            living_alone=record.get("living_alone", "").lower() in _TRUE,
                            emergency_contact=record.get("emergency_contact", ""),
                        )
                    ),
                )
            )
        except ValidationError as exc:
            errors.append((line, exc.message("zh_CN")))
    return residents, errors


def import_roster(station: Station, data: bytes, actor: Actor) -> ImportReport:
    rows, errors = parse(data)
    seen: dict[str, int] = {}
    fresh: list[ResidentInput] = []
    with station.read() as session:
        for line, resident in rows:
            if resident.id_number in seen:
                errors.append((line, f"{DUPLICATE_IN_FILE.zh_CN}（第 {seen[resident.id_number]} 行）"))
                continue
            seen[resident.id_number] = line
            if station.residents._find_row(session, resident.id_number) is not None:
                errors.append((line, DUPLICATE_ID.zh_CN))
                continue
            fresh.append(resident)
    imported = len(station.residents.add_many(fresh, actor, skip_registered=True)) if fresh else 0
    if imported < len(fresh):  # registered by someone else between the check above and the insert
        errors.append((0, f"{len(fresh) - imported} × {DUPLICATE_ID.zh_CN}"))
    return ImportReport(imported=imported, errors=sorted(errors))
