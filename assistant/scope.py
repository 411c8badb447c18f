"""Is a question about this notice? Decided from evidence, not from a list of forbidden topics:

- retrieval evidence: how well the best passage matches (dense cosine and BM25 score);
- vocabulary evidence: how many of the question's content words the notice uses at all, and whether
  it names a place (jieba's `ns` tag) or a year that the notice never mentions — the usual shape of
  "the same plan, but for Zhejiang / for 2025".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import jieba.posseg
from rapidfuzz.distance import Levenshtein

from corpus import Notice
from corpus.english import load_gloss, load_translation
from corpus.script import fold
from corpus.units import ENGLISH_ALIASES, ENGLISH_NAMES
from index import Hit
from index.glossary import EN_TO_ZH
from index.segment import STOPWORDS, stem

from . import lexicon
from .link import everyday_topics, near_notice_word, notice_text, unit_aliases

# Words that only frame a question ("what does the notice say about …"); they say nothing of scope.
_FRAME = frozenset(
    "通知 文件 要点 工作 任务 内容 规定 提到 提出 提及 说 讲 介绍 具体 主要 措施 部署 目标 方面 情况 政策 "
    "广东 数字广东 广东省 省 这份 本 该 里 中 时候 怎么 怎样 如何 为什么 是否 可以 能否 有没有 哪里 哪儿 "
    "谁 牵头 负责 单位 部门 一下 什么样 几 多少 有 没有 会 要 能 吗 呢 项 条 第 一共 总共 请问 告诉 我 我们 你 "
    "第几 几项 哪几项 哪一项 哪项 一项 部分 哪部分 章节 属于 相关 安排 今年 哪些 东西 事情 事项 了解 知道 想问 看看 查询 请教 关心 留意 "
    "notice document plan say says said mention mentions mentioned about tell please does do did what which who "
    "how many much when where why guangdong task tasks item items there any their its this that these those will "
    "would could should can provincial province government department lead leads led responsible work points "
    "2024 digital unit units involved charge leading share shares co co-responsible section part chapter "
    "belong belongs 分成 分为 划分 组成 构成 还是 或者 或是".split()
)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_EN_WORD = re.compile(r"[a-z]{2,}")
# The places the notice names, as English speakers write them.
_EN_PLACES = ("guangdong guangzhou shenzhen zhuhai shaoguan hong kong macao macau china chinese xinjiang tibet "
              "xuwen qiongzhou pengcheng tianhe nanling greater bay area")
_EN_NAME = re.compile(r"(?<=[a-z,;:] )([A-Z][a-z]{2,})(?:'s)?\b")


@dataclass(frozen=True)
class ScopeEvidence:
    dense: float  # best cosine similarity among passages
    bm25: float  # best BM25 score
    coverage: float  # share of content words the notice uses (1.0 when there are none)
    foreign: tuple[str, ...]  # places or years named in the question and absent from the notice

    english: bool = False  # an English question: lower scores against Chinese passages are normal
    n_words: int = 0  # content words in the question (0: it only asks, about nothing named)
    anchored: bool = False  # it writes four characters in a row that only one to three tasks write (瓊州海峽)

    @property
    def in_scope(self) -> bool:
        if self.foreign:
            return False
        if self.n_words == 0:  # "Who leads task -1?": nothing to be about (frame words score on their own)
            return False
        if self.bm25 >= 8.0 or (self.bm25 >= 4.0 and self.coverage >= 0.5) or self.anchored:
            return True
        if self.english and self.coverage >= 0.75 and self.bm25 >= 2.5:
            return True  # every content word is one the English gloss of the notice uses
        return self.dense >= 0.86 and self.coverage >= 0.5


@lru_cache(maxsize=1)
def _english_vocabulary() -> frozenset[str]:
    """English words of the shipped gloss, translation and glossary: what an English question can be about."""
    text = " ".join([*(g.text for g in load_gloss().values()), *load_translation().values(), *EN_TO_ZH, _EN_PLACES,
                     *ENGLISH_ALIASES, *ENGLISH_NAMES.values()])
    return frozenset(stem(w) for w in _EN_WORD.findall(text.lower()))


def _content_words(folded: str) -> tuple[list[str], list[str]]:
    """(content words, place names) of a folded question."""
    words, places = [], []
    for w, flag in jieba.posseg.lcut(folded):
        w = w.strip()
        if len(w) < 2 or w in STOPWORDS or w in _FRAME or not re.search(r"[\u3400-\u9fff]", w):
            continue
        words.append(w)
        if flag == "ns":
            places.append(w)
    return words, places


def foreign_terms(notice: Notice, question: str) -> list[str]:
    """Places and years the question names that the notice never mentions."""
    vocab, en_vocab, folded = notice_text(notice), _english_vocabulary(), fold(question)
    for alias, _unit in unit_aliases(notice):  # unit names are not places (jieba may cut 「委和省」)
        folded = folded.replace(alias, " ")
    _, places = _content_words(folded)
    # 「浙江省」「北京市」: the notice writes places without the administrative suffix (廣州, 深圳).
    home = set(lexicon.words("cities")) | set(lexicon.words("home_places", "en"))  # 東莞, Dongguan: in Guangdong
    foreign = [p for p in places if p not in vocab and re.sub(r"[省市区县镇]$", "", p) not in vocab
               and re.sub(r"[省市区县镇]$", "", p) not in home
               and not near_notice_word(notice, folded, folded.find(p), folded.find(p) + len(p))]  # 金稅四其: a typo
    # English names: a capitalised word inside the sentence that the gloss never uses (Shanghai, Paris).
    # ("Greater Bay Aera": a typo of a word the gloss uses is not a name)
    foreign += [m.lower() for m in _EN_NAME.findall(question)
                if stem(lexicon.respell(m.lower())) not in en_vocab and m.lower() not in home]
    foreign += [y for y in _YEAR.findall(folded) if y not in vocab]
    # another government's own plan or report (「深圳市自己的數字政府工作要點」「香港施政報告」)
    foreign += [m.group(0) for m in _OTHER_PLAN.finditer(folded)]
    # what another institution said ("What did the World Bank say about …"): not this notice's
    foreign += [w for w in lexicon.words("other_sources", "en") if re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", folded)]
    # another government's own office (「香港數字政策辦公室今年有咩新計劃」): its plans are not this notice's
    foreign += [m.group(0) for m in _OTHER_BODY.finditer(folded) if m.group(0) not in vocab]
    # a service named in quotes with Hong Kong or Macao that the notice never names (香港「智方便」)
    if re.search(r"香港|澳门|hong kong|maca", folded):
        foreign += [t for t in re.findall(r"[「“\"]([^」”\"]{2,12})[」”\"]", folded) if t not in vocab]
    # a document title in 《》 that the notice never cites (《香港智慧城市藍圖2.0》)
    # (「《广东省数据条列》」: one character off a title the notice cites is a typo of it)
    cited = re.findall(r"《([^》]{2,40})》", vocab)
    foreign += [t for t in re.findall(r"《([^》]{2,40})》", folded)
                if t not in vocab and not any(Levenshtein.distance(t, c, score_cutoff=1) <= 1 for c in cited)]
    return list(dict.fromkeys(foreign))


# Places whose own public services people ask about, and how the notice writes them in compounds.
_OWN_PLACES = {"香港": ("香港", "港澳", "粤港澳", "港"), "澳门": ("澳门", "港澳", "粤港澳", "澳")}


@lru_cache(maxsize=2)
def _rare_grams(notice: Notice) -> frozenset[str]:
    """Runs of four characters that the sentences of one to three tasks write: a topic of the notice's own."""
    seen: dict[str, int] = {}
    for t in notice.tasks:
        body = fold(t.body)
        for gram in {body[i:i + 4] for i in range(len(body) - 3)}:
            if re.fullmatch(r"[\u3400-\u9fff]{4}", gram):
                seen[gram] = seen.get(gram, 0) + 1
    return frozenset(g for g, n in seen.items() if n <= 3)


def _anchored(notice: Notice, folded: str) -> bool:
    for alias, _unit in unit_aliases(notice):  # 「廣東省政務服務和數據管理局局長」 names a unit, not a topic
        folded = folded.replace(alias, " ")
    rare = _rare_grams(notice)
    return any(run[i:i + 4] in rare for run in re.findall(r"[\u3400-\u9fff]{4,}", folded) for i in range(len(run) - 3))


@lru_cache(maxsize=2)
def _bodies(notice: Notice) -> str:
    """The notice's own sentences, folded, without the unit names of its responsibility lines."""
    return fold("\n".join([notice.preamble, *(t.body for t in notice.tasks)]))


def their_own_service(notice: Notice, question: str) -> list[str]:
    """For a how-to question: 「香港身份證」「澳門稅務」 — Hong Kong's or Macao's own service."""
    return _their_own(notice_text(notice), _bodies(notice), fold(question))


def _their_own(vocab: str, bodies: str, folded: str) -> list[str]:
    """「香港身份證」「澳門稅務」: Hong Kong's or Macao's own service — a place followed by a thing the
    notice never ties to that place and names only in passing (外國人永久居留身份證, not a Hong Kong
    identity card). Things the notice is about (數字化, 數據) are not someone else's service."""
    out = []
    for place, forms in _OWN_PLACES.items():
        for m in re.finditer(place + r"(?:特区|特别行政区)?(?:的)?([\u4e00-\u9fff]{2,4})", folded):
            words = [w for w in jieba.lcut(m.group(1)) if len(w) >= 2]
            if not words:
                continue
            thing = words[0]
            if thing in STOPWORDS or thing in _FRAME or thing in ("居民", "市民", "人士", "同胞", "朋友", "企业", "地区"):
                continue
            # a thing the notice's sentences name at most three times, never for that place: mentioned in passing only
            if 0 < bodies.count(thing) <= 3 and not any(f + thing in vocab for f in forms):
                out.append(place + thing)
    return out


_OTHER_BODY = re.compile(r"(?:香港|澳门)(?:特区|特别行政区)?(?:政府)?[\u4e00-\u9fff]{2,6}?(?:办公室|署|委员会|政策局)")
_OTHER_PLAN = re.compile(r"(?:香港|澳门|深圳|广州|珠海|[\u4e00-\u9fff]{2}市)(?:特区|特别行政区)?(?:政府)?(?:自己|本身)?的?"
                         r"(?:(?!在|里|中|任务|有关|关于)[\u4e00-\u9fff0-9]){0,10}?"
                         r"(?:施政报告|工作要点|政府工作报告|蓝图|五年规划|规划纲要)")


def content_words(question: str) -> list[str]:
    """The words that say what a question is about (not how it asks): Chinese and English."""
    folded = fold(question)
    words, _ = _content_words(folded)
    english = [w for w in _EN_WORD.findall(folded) if w not in STOPWORDS and w not in _FRAME and len(w) > 2]
    return words + english


def assess(notice: Notice, question: str, hits: list[Hit]) -> ScopeEvidence:
    vocab = notice_text(notice)
    folded = fold(question)
    words, _places = _content_words(folded)
    raw_english = [w for w in _EN_WORD.findall(folded) if w not in STOPWORDS and w not in _FRAME and len(w) > 2]
    english = [stem(w) for w in raw_english]
    # Latin words the notice itself writes (CIM, APP, PASS) count as its own, in any script of question
    en_vocab = _english_vocabulary() | {stem(w) for w in raw_english if w in _latin_words(notice)}
    # everyday words for the notice's topics (看病 for 醫療, "smes" for 中小企業) are words the notice covers
    everyday = " ".join(word for word, _ in lexicon.everyday_words(folded))
    covered = sum(w in vocab or (w in everyday) for w in words) + \
        sum(w in en_vocab or bool(re.search(rf"(?<![a-z]){re.escape(w)}", everyday)) for w in english)
    total = len(words) + len(english)
    foreign = foreign_terms(notice, question)
    return ScopeEvidence(
        dense=max((h.dense for h in hits), default=0.0),
        bm25=max((h.bm25 for h in hits), default=0.0),
        coverage=covered / total if total else 1.0,
        foreign=tuple(foreign),
        english=not re.search(r"[\u3400-\u9fff]", question),
        n_words=total,
        # (an everyday name of a thing one to three tasks write, 「出入境邊檢總站」, is as specific as its own name)
        anchored=_anchored(notice, folded) or any(_latin_words(notice).get(w, 9) <= 3 for w in raw_english)
        or any(1 <= len(tasks) <= 3 for _word, tasks in everyday_topics(notice, folded)),
    )


@lru_cache(maxsize=2)
def _latin_words(notice: Notice) -> dict[str, int]:
    """The Latin words the notice's tasks write (「城市信息模型(CIM)」), with the number of tasks writing each."""
    out: dict[str, int] = {}
    for t in notice.tasks:
        for w in set(_EN_WORD.findall(fold(t.body))):
            out[w] = out.get(w, 0) + 1
    return out
