"""Natural Korean commands residents say at the home screen (the intent each must reach), including
the ones espeak-ng renders badly but people really say: 도와주세요, 뒤로, 처음으로.

Two lists: the 42 phrasings of the first round (2026-11-27 afternoon; the grammar and the concept
tables were tuned while looking at all of them) and 45 fresh ones written in the evening before any
measurement. Together they are split ONCE at random (`SPLIT_SEED`) into a tuning half and a held-out
half; grammar phrases, concept words and decision thresholds may be changed only by looking at the
tuning half, and the figures reported (tests/voice/test_ko_matrix.py) are the held-out half's.
"""

from __future__ import annotations

import random

FIRST_ROUND: list[tuple[str, str]] = [
    ("help_call", "도와주세요"),
    ("help_call", "살려 주세요"),
    ("help_call", "도와줘"),
    ("help_call", "사람 살려"),
    ("help_call", "구급차 불러 주세요"),
    ("help_call", "비상호출"),
    ("pension_inquiry", "연금 얼마"),
    ("pension_inquiry", "연금 확인해 주세요"),
    ("pension_inquiry", "기초연금"),
    ("pension_inquiry", "연금 조회"),
    ("subsidy_application", "보조금"),
    ("subsidy_application", "보조금 신청"),
    ("subsidy_application", "지원금"),
    ("certificate", "증명서 발급"),
    ("certificate", "증명서 떼 주세요"),
    ("certificate", "주민등록등본"),
    ("problem_report", "민원"),
    ("problem_report", "문제 신고"),
    ("problem_report", "고장 신고"),
    ("appointment", "예약하기"),
    ("appointment", "서비스 예약"),
    ("daily_checkin", "무사해요"),
    ("daily_checkin", "안부 확인"),
    ("my_requests", "진행상황"),
    ("my_requests", "처리 현황"),
    ("my_requests", "접수 내역"),
    ("notices", "새 소식"),
    ("notices", "공지사항"),
    ("notices", "알림 보기"),
    ("notices", "소식"),
    ("certificate", "증명서 떼기"),
    ("back", "뒤로"),
    ("back", "이전 화면으로"),
    ("home", "처음으로"),
    ("home", "메인으로"),
    ("home", "메인화면"),
    ("repeat", "다시 말해 주세요"),
    ("repeat", "다시 들려 주세요"),
    ("louder", "크게 말해 주세요"),
    ("louder", "소리 크게"),
    ("slower", "천천히 해 주세요"),
    ("slower", "천천히 말해 주세요"),
]

# written 2026-11-27 evening, before any of them was spoken to the recogniser
FRESH: list[tuple[str, str]] = [
    ("help_call", "누가 좀 도와주세요"),
    ("help_call", "살려줘"),
    ("help_call", "구급차 좀 불러 줘요"),
    ("help_call", "너무 아파요"),
    ("help_call", "사람 좀 불러 주세요"),
    ("help_call", "긴급 호출"),
    ("pension_inquiry", "연금 조회해 주세요"),
    ("pension_inquiry", "내 연금 얼마예요"),
    ("pension_inquiry", "국민연금"),
    ("subsidy_application", "지원금 신청"),
    ("subsidy_application", "보조금 받고 싶어요"),
    ("subsidy_application", "복지 지원"),
    ("certificate", "등본 떼 주세요"),
    ("certificate", "증명서 필요해요"),
    ("certificate", "서류 발급"),
    ("problem_report", "고장 났어요"),
    ("problem_report", "민원 넣을게요"),
    ("problem_report", "불편 신고"),
    ("appointment", "예약할게요"),
    ("appointment", "예약해 주세요"),
    ("appointment", "방문 예약"),
    ("daily_checkin", "오늘도 무사해요"),
    ("daily_checkin", "생존 확인"),
    ("my_requests", "신청한 거 어떻게 됐어요"),
    ("my_requests", "처리 결과"),
    ("my_requests", "접수 확인"),
    ("notices", "공지 보여 주세요"),
    ("notices", "새 소식 있어요"),
    ("notices", "알림"),
    ("back", "뒤로 가기"),
    ("back", "이전으로"),
    ("back", "뒤로 가 주세요"),
    ("home", "처음 화면으로"),
    ("home", "첫 화면"),
    ("home", "메인 화면으로 가 주세요"),
    ("repeat", "다시 한 번"),
    ("repeat", "한 번 더 말해 주세요"),
    ("repeat", "다시 말해 줘요"),
    ("louder", "더 크게"),
    ("louder", "소리 좀 크게 해 주세요"),
    ("louder", "볼륨 올려 주세요"),
    ("slower", "천천히"),
    ("slower", "좀 천천히 말해요"),
    ("slower", "너무 빨라요"),
    ("consult", "주민 투표"),
]

KO_PHRASINGS: list[tuple[str, str]] = FIRST_ROUND + FRESH

SPLIT_SEED = 20261127


def split() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(tuning half, held-out half): one random split with a fixed seed, made before any tuning."""
    order = list(range(len(KO_PHRASINGS)))
    random.Random(SPLIT_SEED).shuffle(order)
    half = len(order) // 2
    return [KO_PHRASINGS[i] for i in sorted(order[:half])], [KO_PHRASINGS[i] for i in sorted(order[half:])]


KO_TUNE, KO_HELDOUT = split()

# Session 20: the held-out half above has been used for reported figures (session 19), so it counts as
# seen. 56 further phrasings, written 2026-11-27 late evening before any of them was spoken to the
# recogniser (none repeats one above), split ONCE with their own seed; KO2_HELDOUT is the half
# reported from now on, KO2_TUNE may be studied like KO_TUNE.
FRESH2: list[tuple[str, str]] = [
    ("help_call", "도와 주세요 누구 없어요"),
    ("help_call", "사람 좀 살려 주세요"),
    ("help_call", "일일구 불러 주세요"),
    ("help_call", "숨이 차요"),
    ("help_call", "넘어졌어요"),
    ("help_call", "가슴이 아파요"),
    ("help_call", "어지러워요"),
    ("pension_inquiry", "연금 들어왔나요"),
    ("pension_inquiry", "연금 얼마 나와요"),
    ("pension_inquiry", "노령연금 확인"),
    ("pension_inquiry", "연금 언제 들어와요"),
    ("subsidy_application", "보조금 신청할게요"),
    ("subsidy_application", "지원금 받고 싶어요"),
    ("subsidy_application", "복지 혜택 신청"),
    ("subsidy_application", "생활비 지원"),
    ("certificate", "증명서 떼러 왔어요"),
    ("certificate", "등본 한 통 주세요"),
    ("certificate", "서류 떼 주세요"),
    ("certificate", "증명서 발급해 주세요"),
    ("problem_report", "가로등이 고장 났어요"),
    ("problem_report", "물이 새요"),
    ("problem_report", "신고할게요"),
    ("problem_report", "불편한 거 있어요"),
    ("problem_report", "쓰레기 신고"),
    ("appointment", "예약 좀 할게요"),
    ("appointment", "검진 예약"),
    ("appointment", "예약하고 싶어요"),
    ("appointment", "목욕 예약해 주세요"),
    ("daily_checkin", "저 잘 있어요"),
    ("daily_checkin", "안부 전해요"),
    ("daily_checkin", "오늘 괜찮아요"),
    ("my_requests", "내 신청 어떻게 됐어요"),
    ("my_requests", "처리됐나요"),
    ("my_requests", "진행 상황 알려 주세요"),
    ("notices", "공지 있어요"),
    ("notices", "소식 알려 주세요"),
    ("notices", "새로운 소식"),
    ("notices", "알림 있어요"),
    ("consult", "투표할게요"),
    ("consult", "주민 의견 내기"),
    ("consult", "투표하러 왔어요"),
    ("back", "뒤로 가요"),
    ("back", "전 화면"),
    ("back", "이전 화면"),
    ("home", "처음 화면"),
    ("home", "처음부터"),
    ("home", "메인으로 가요"),
    ("repeat", "다시요"),
    ("repeat", "다시 말씀해 주세요"),
    ("repeat", "뭐라고요"),
    ("louder", "크게 해 주세요"),
    ("louder", "소리 키워 주세요"),
    ("louder", "안 들려요"),
    ("slower", "천천히 말씀해 주세요"),
    ("slower", "빨라요"),
    ("slower", "좀 천천히요"),
]

SPLIT2_SEED = 20261129


def split2() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(tuning half, held-out half) of FRESH2: one random split with its own fixed seed."""
    order = list(range(len(FRESH2)))
    random.Random(SPLIT2_SEED).shuffle(order)
    half = len(order) // 2
    return [FRESH2[i] for i in sorted(order[:half])], [FRESH2[i] for i in sorted(order[half:])]


KO2_TUNE, KO2_HELDOUT = split2()
