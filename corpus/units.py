"""Responsibility parentheses → full unit names, and the short forms people type → canonical units.

The notice abbreviates: in 「省發展改革委、科技廳、工業和信息化廳」 the 省 prefix of the first name
carries over the 、-list; commas separate groups that each carry their own prefix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LEAD_MARK = "牽頭"
CO_MARK = "按職責分工負責"
OPEN_MARK = "等有關單位"
MEMBERS_MARK = "各成員單位"

# Names that already say whose they are: never given the 省 prefix of their group.
_OWN_PREFIX = ("省", "國家", "中國", "廣東", "各", "粵")


@dataclass(frozen=True)
class Responsibility:
    leads: tuple[str, ...]
    co: tuple[str, ...]
    open_ended: bool


def _expand_group(group: str) -> list[str]:
    """One comma-separated group → full names (「省保密局、密碼管理局」 → 省保密局, 省密碼管理局)."""
    items = [i.strip() for i in group.split("、") if i.strip()]
    if not items:
        return []
    last = items[-1]
    # 「粵港…專責小組、粵澳…專責小組各成員單位」: the tail 各成員單位 belongs to every item.
    if last.endswith(MEMBERS_MARK):
        return [i if i.endswith(MEMBERS_MARK) else i + MEMBERS_MARK for i in items]
    # 「廣州、深圳、珠海出入境邊防檢查總站」: bare place names share the last item's suffix.
    heads = items[:-1]
    if heads and all(len(h) <= 3 and not h.startswith(_OWN_PREFIX) for h in heads):
        place_len = len(heads[0])
        if all(len(h) == place_len for h in heads) and len(last) > place_len:
            suffix = last[place_len:]
            return [h + suffix for h in heads] + [last]
    # A bare follower of 省X (or of 省委X) is a provincial unit: 省 carries over, 省委 does not.
    prefix = "省" if items[0].startswith("省") else ""
    return [i if i.startswith(_OWN_PREFIX) else prefix + i for i in items]


def _expand_list(text: str) -> tuple[list[str], bool]:
    text = text.strip()
    open_ended = OPEN_MARK in text
    text = text.replace(OPEN_MARK, "")
    units: list[str] = []
    for group in re.split(r"[,，]", text):
        for unit in _expand_group(group):
            if unit not in units:
                units.append(unit)
    return units, open_ended


def parse_responsibility(raw: str) -> Responsibility:
    """「省委網信辦,省農業農村廳、政務服務和數據管理局牽頭,省工業和信息化廳…按職責分工負責」 → units."""
    raw = re.sub(r"^[\s(（]+|[\s)）]+$", "", raw)
    lead_part, co_part = "", ""
    if LEAD_MARK in raw:
        lead_part, _, rest = raw.partition(LEAD_MARK)
        co_part = re.sub(r"^[\s,，]+", "", rest)
    else:
        co_part = raw
    if co_part and not co_part.rstrip().endswith(CO_MARK):
        raise ValueError(f"unrecognised responsibility text: {raw!r}")
    co_part = co_part.rstrip().removesuffix(CO_MARK)
    leads, open_lead = _expand_list(lead_part) if lead_part else ([], False)
    co, open_co = _expand_list(co_part) if co_part else ([], False)
    return Responsibility(tuple(leads), tuple(u for u in co if u not in leads), open_lead or open_co)


# Short forms in common use (Traditional; Simplified input is folded to Traditional before lookup).
_ALIASES = {
    "政數局": "省政務服務和數據管理局",
    "政務服務數據管理局": "省政務服務和數據管理局",
    "政務和數據局": "省政務服務和數據管理局",
    "數據局": "省政務服務和數據管理局",
    "工信廳": "省工業和信息化廳",
    "經信廳": "省工業和信息化廳",
    "發改委": "省發展改革委",
    "發展和改革委員會": "省發展改革委",
    "網信辦": "省委網信辦",
    "人社廳": "省人力資源社會保障廳",
    "人力資源和社會保障廳": "省人力資源社會保障廳",
    "住建廳": "省住房城鄉建設廳",
    "住房和城鄉建設廳": "省住房城鄉建設廳",
    "衛健委": "省衛生健康委",
    "衛生健康委員會": "省衛生健康委",
    "文旅廳": "省文化和旅游廳",
    "文化和旅遊廳": "省文化和旅游廳",
    "市場監管局": "省市場監管局",
    "市場監督管理局": "省市場監管局",
    "農業廳": "省農業農村廳",
    "交通廳": "省交通運輸廳",
    "人民銀行廣東分行": "中國人民銀行廣東省分行",
    "人行廣東分行": "中國人民銀行廣東省分行",
    "人民銀行廣東省分行": "中國人民銀行廣東省分行",
    "人民銀行": "中國人民銀行廣東省分行",
    "央行廣東分行": "中國人民銀行廣東省分行",
    "金融監管總局廣東監管局": "國家金融監督管理總局廣東監管局",
    "廣東金融監管局": "國家金融監督管理總局廣東監管局",
    "金融監管局": "國家金融監督管理總局廣東監管局",
    "廣東證監局": "中國證券監督管理委員會廣東監管局",
    "證監局": "中國證券監督管理委員會廣東監管局",
    "證監會廣東監管局": "中國證券監督管理委員會廣東監管局",
    "金融辦": "省委金融辦",
    "編辦": "省委編辦",
    "政法委": "省委政法委",
    "社會工作部": "省委社會工作部",
    "國安辦": "省委國安辦",
    "供銷社": "省供銷合作聯社",
    "供銷合作社": "省供銷合作聯社",
    "通信管理局": "省通信管理局",
    "通管局": "省通信管理局",
    "稅務局": "省稅務局",
    "法院": "省法院",
    "高院": "省法院",
    "檢察院": "省檢察院",
    "人大常委會辦公廳": "省人大常委會辦公廳",
    "政協辦公廳": "省政協辦公廳",
    "政府辦公廳": "省政府辦公廳",
    "海事局": "廣東海事局",
    "海洋綜合執法總隊": "省海洋綜合執法總隊",
    "國資委": "省國資委",
    "統計局": "省統計局",
}

# English names people use for the main units (lower-case keys).
ENGLISH_ALIASES = {
    "government service and data administration": "省政務服務和數據管理局",
    "government services and data administration": "省政務服務和數據管理局",
    "government service and data management bureau": "省政務服務和數據管理局",
    "data administration": "省政務服務和數據管理局",
    "industry and information technology": "省工業和信息化廳",
    "development and reform commission": "省發展改革委",
    "science and technology": "省科技廳",
    "cyberspace administration": "省委網信辦",
    "department of education": "省教育廳",
    "education department": "省教育廳",
    "health commission": "省衛生健康委",
    "culture and tourism": "省文化和旅游廳",
    "public security": "省公安廳",
    "agriculture and rural affairs": "省農業農村廳",
    "natural resources": "省自然資源廳",
    "ecology and environment": "省生態環境廳",
    "forestry": "省林業局",
    "sports bureau": "省體育局",
    "commerce": "省商務廳",
    "transport": "省交通運輸廳",
    "water resources": "省水利廳",
    "justice": "省司法廳",
    "market regulation": "省市場監管局",
    "human resources and social security": "省人力資源社會保障廳",
    "civil affairs": "省民政廳",
    "housing and urban-rural development": "省住房城鄉建設廳",
    "people's bank of china": "中國人民銀行廣東省分行",
    "financial regulatory": "國家金融監督管理總局廣東監管局",
    "communications administration": "省通信管理局",
    "radio and television": "省廣電局",
    "statistics bureau": "省統計局",
    "finance department": "省財政廳",
    "department of finance": "省財政廳",
    "energy administration": "省能源局",
}


# English names for the units the public asks about most (used as a gloss beside the Chinese name).
ENGLISH_NAMES = {
    "省政務服務和數據管理局": "Guangdong Government Service and Data Administration",
    "省工業和信息化廳": "Department of Industry and Information Technology",
    "省發展改革委": "Development and Reform Commission",
    "省科技廳": "Department of Science and Technology",
    "省委網信辦": "Cyberspace Affairs Office of the CPC Guangdong Committee",
    "省教育廳": "Department of Education",
    "省衛生健康委": "Health Commission",
    "省文化和旅游廳": "Department of Culture and Tourism",
    "省公安廳": "Department of Public Security",
    "省農業農村廳": "Department of Agriculture and Rural Affairs",
    "省自然資源廳": "Department of Natural Resources",
    "省生態環境廳": "Department of Ecology and Environment",
    "省林業局": "Forestry Administration",
    "省體育局": "Sports Bureau",
    "省商務廳": "Department of Commerce",
    "省交通運輸廳": "Department of Transport",
    "省水利廳": "Department of Water Resources",
    "省司法廳": "Department of Justice",
    "省市場監管局": "Administration for Market Regulation",
    "省人力資源社會保障廳": "Department of Human Resources and Social Security",
    "省民政廳": "Department of Civil Affairs",
    "省住房城鄉建設廳": "Department of Housing and Urban-Rural Development",
    "中國人民銀行廣東省分行": "People's Bank of China, Guangdong Branch",
    "國家金融監督管理總局廣東監管局": "National Financial Regulatory Administration, Guangdong Office",
    "中國證券監督管理委員會廣東監管局": "China Securities Regulatory Commission, Guangdong Office",
    "省通信管理局": "Communications Administration",
    "省廣電局": "Radio and Television Administration",
    "省統計局": "Statistics Bureau",
    "省財政廳": "Department of Finance",
    "省能源局": "Energy Administration",
    "省委金融辦": "Financial Affairs Office of the CPC Guangdong Committee",
    "省供銷合作聯社": "Supply and Marketing Cooperative",
    "省稅務局": "Tax Service",
    "廣州出入境邊防檢查總站": "Guangzhou Exit-Entry Border Inspection Station",
    "深圳出入境邊防檢查總站": "Shenzhen Exit-Entry Border Inspection Station",
    "珠海出入境邊防檢查總站": "Zhuhai Exit-Entry Border Inspection Station",
}


def alias_table(units: tuple[str, ...]) -> dict[str, str]:
    """Every name a user may type (Traditional) → canonical unit, built from the notice's own units.

    A canonical 省X is also found as X and 廣東省X; the hand-written short forms are added on top
    but only where their target is a unit the notice names.
    """
    table: dict[str, str] = {}
    for unit in units:
        table[unit] = unit
        if unit.startswith("省") and not unit.startswith("省委"):
            bare = unit[1:]
            table.setdefault(bare, unit)
            table.setdefault("廣東省" + bare, unit)
        elif unit.startswith("省委"):
            table.setdefault("廣東省委" + unit[2:], unit)
    known = set(units)
    for short, unit in _ALIASES.items():
        if unit in known:
            table.setdefault(short, unit)
            table.setdefault("省" + short, unit)
    # Strip names too short to be safe as free-text matches (e.g. a lone 省).
    return {k: v for k, v in table.items() if len(k) >= 2}
