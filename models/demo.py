"""A ready demo station: generated Chinese residents (valid-looking but random ID numbers — no real
person's data), a few requests in every state the kiosk shows, a demo volunteer and admin."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from models.residents import ResidentInput
from models.schema import RequestState, ServiceRequest, utcnow
from models.station import SYSTEM, Actor, Station
from models.validation import id_check_char

DEMO_PASSPHRASE = "yizhan-demo-2026"
DEMO_VOLUNTEER_PIN = "2468"
DEMO_ADMIN_PIN = "1357"

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁郑谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余杜叶程魏苏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_GIVEN_F = [
    "秀英",
    "桂英",
    "秀兰",
    "玉兰",
    "桂兰",
    "凤英",
    "兰英",
    "淑珍",
    "玉珍",
    "秀珍",
    "翠花",
    "素芬",
    "美华",
    "桂芳",
    "金凤",
    "月娥",
]
_GIVEN_M = [
    "建国",
    "建华",
    "国强",
    "志强",
    "德明",
    "永福",
    "长发",
    "金山",
    "国庆",
    "福生",
    "振华",
    "文彬",
    "春生",
    "有才",
    "保国",
    "树林",
]
# County-level codes (GB/T 2260) for places a demo is likely to be shown.
_REGIONS = [
    "320102",
    "320113",
    "330106",
    "340102",
    "360102",
    "410102",
    "420102",
    "430102",
    "510104",
    "530102",
]
_VILLAGES = ["幸福村", "和平村", "柳树湾村", "东山村", "河口村", "桃园社区", "新华社区", "向阳村"]


@dataclass(frozen=True)
class DemoInfo:
    data_dir: Path
    passphrase: str
    volunteer_pin: str
    admin_pin: str
    residents: int
    requests: int


def demo_resident(rng: random.Random) -> ResidentInput:
    female = rng.random() < 0.55
    name = rng.choice(_SURNAMES) + rng.choice(_GIVEN_F if female else _GIVEN_M)
    birth = dt.date(1932, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 33))
    order = rng.randrange(0, 99) * 10 + rng.randrange(0, 5) * 2 + (0 if female else 1)
    body = f"{rng.choice(_REGIONS)}{birth:%Y%m%d}{order:03d}"
    return ResidentInput(
        name=name,
        id_number=body + id_check_char(body),
        phone=f"1{rng.choice('35789')}{rng.randrange(10**9):09d}",
        address=f"{rng.choice(_VILLAGES)}{rng.randrange(1, 9)}组{rng.randrange(1, 60)}号",
        living_alone=rng.random() < 0.3,
        emergency_contact=(
            f"{rng.choice(_SURNAMES)}{rng.choice(_GIVEN_M)} 1{rng.choice('3589')}{rng.randrange(10**9):09d}"
        ),
    )


_SAMPLE_REQUESTS = [
    ("problem_report", {"category": "road_light", "description": "村口的路灯坏了好几天，晚上看不清路。"}),
    ("subsidy_application", {"subsidy_type": "senior_allowance", "situation": ""}),
    ("certificate", {"certificate_type": "residence", "delivery": "pickup"}),
    ("pension_inquiry", {"topic": "pension_paid"}),
    ("appointment", {"appointment_service": "health_check", "slot": ""}),
    ("problem_report", {"category": "water_power", "description": "家里自来水水压太小。"}),
]


def create_demo(
    data_dir: Path,
    *,
    residents: int = 30,
    requests: int = 12,
    seed: int = 7,
    name: str = "幸福村便民服务驿站",
) -> DemoInfo:
    rng = random.Random(seed)
    station = Station.create(data_dir, DEMO_PASSPHRASE, name=name, prefix="A07")
    try:
        station.update_settings(SYSTEM, demo=True)
        station.volunteers.add("演示志愿者", DEMO_VOLUNTEER_PIN, "volunteer", SYSTEM)
        station.volunteers.add("演示管理员", DEMO_ADMIN_PIN, "admin", SYSTEM)
        people: dict[str, ResidentInput] = {}
        while len(people) < residents:
            person = demo_resident(rng)
            people.setdefault(person.id_number, person)
        ids = station.residents.add_many(list(people.values()), SYSTEM)
        actor = Actor("kiosk")
        made = []
        for i in range(requests):
            service, fields = _SAMPLE_REQUESTS[i % len(_SAMPLE_REQUESTS)]
            made.append(station.requests.submit(service, dict(fields), actor, resident_id=ids[i % len(ids)]))
        _age_some(station, [r.id for r in made])
    finally:
        station.close()
    return DemoInfo(Path(data_dir), DEMO_PASSPHRASE, DEMO_VOLUNTEER_PIN, DEMO_ADMIN_PIN, residents, requests)


def _age_some(station: Station, request_ids: list[str]) -> None:
    """Show the full range of 我的办件 states: some answered by the (pretend) hub already."""
    replies = {
        RequestState.RECEIVED: "",
        RequestState.IN_PROGRESS: "已安排工作人员处理，请耐心等待。",
        RequestState.DONE: "已处理完毕，谢谢您的反映。",
    }
    with station.write() as session:
        for offset, (state, reply) in enumerate(replies.items()):
            if offset >= len(request_ids):
                break
            row = session.get(ServiceRequest, request_ids[offset])
            assert row is not None
            station.requests.apply_hub_status(session, row.id, state, reply or None, hub_seq=offset + 1)
            row.sent_at = utcnow()
