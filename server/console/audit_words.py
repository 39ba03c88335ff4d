"""The audit page in words a clerk reads: action codes as localised phrases, targets as receipt
numbers, station and user names instead of UUIDs and `request_close`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db.models import ServiceRequest, Station

ACTIONS = {
    "view_request": "查看办件",
    "view_personal": "查看居民个人信息",
    "view_photo": "查看照片",
    "view_checkins": "查看平安签到",
    "view_warnings": "查看独居预警",
    "view_phone": "查看电话",
    "request_receive": "受理",
    "request_progress": "标记办理中",
    "request_close": "办结并答复",
    "request_reject": "退回",
    "request_assign": "分派",
    "checkin_visited": "记录上门探访",
    "warning_outcome": "记录预警处理结果",
    "warning_threshold": "设定预警天数",
    "warning_push": "发送预警名单",
    "notice_publish": "发布通知",
    "slot_publish": "发布预约时段",
    "slot_capacity": "修改名额",
    "booking_confirm": "确认预约",
    "booking_move": "改约",
    "booking_refuse": "退回预约",
    "enrolment_code": "生成注册码",
    "station_revoke": "停用驿站",
    "user_add": "添加账号",
    "user_update": "修改账号",
    "export_csv": "导出CSV",
    "export_xlsx": "导出Excel",
    "report_view": "查看报表",
    "report_xlsx": "下载报表Excel",
    "report_pdf": "下载报表PDF",
    "login_ok": "登录",
    "login_bad_password": "登录失败（密码不对）",
    "login_unknown_user": "登录失败（没有这个账号）",
    "login_locked": "登录失败（已锁定）",
    "login_disabled": "登录失败（账号已停用）",
    "password_change": "修改自己的密码",
    "password_change_refused": "修改密码失败（当前密码不对）",
    "password_reset": "重置密码",
}
KINDS = {
    "request": "办件",
    "resident": "居民",
    "station": "驿站",
    "user": "账号",
    "slot": "预约时段",
    "notice": "通知",
    "checkins": "平安签到",
    "stats": "统计表",
    "report": "报表",
    "warnings": "独居预警",
    "topics": "高频议题",
}


@dataclass(frozen=True)
class AuditLine:
    entry: Any  # a console_audit row (console_audit.recent): id, at, username, action, target, …
    action: str  # Chinese phrase (the template translates it)
    kind: str  # Chinese noun for the target's kind
    target: str  # receipt number, station name, user name … never a bare UUID
    link: str | None


def describe(session: Session, entries: Sequence[Any]) -> list[AuditLine]:
    request_ids = [e.target[8:] for e in entries if e.target.startswith("request:")]
    receipts = (
        dict(
            session.execute(
                select(ServiceRequest.id, ServiceRequest.receipt_code).where(
                    ServiceRequest.id.in_(request_ids)
                )
            ).all()
        )
        if request_ids
        else {}
    )
    stations = dict(session.execute(select(Station.id, Station.name)).all())
    out = []
    for e in entries:
        kind, _sep, ref = e.target.partition(":")
        link = None
        if kind == "request":
            label, link = receipts.get(ref, ref[:8] + "…"), f"/console/requests/{ref}"
        elif kind == "station":
            label = stations.get(ref, ref)
        elif kind == "resident":
            label = "编号 " + ref[-6:]  # residents stay anonymous here; the request page has the rest
        else:
            label = ref
        out.append(AuditLine(e, ACTIONS.get(e.action, e.action), KINDS.get(kind, kind), label, link))
    return out
