"""Korean names written in Chinese characters (hanja) read in Korean, not in Mandarin.

`金正恩` is Kim Jong Un (김정은), which pinyin reads "Jin Zheng'en". A name of two to four characters whose
first is a Korean family-name hanja and whose every character has a reading below is also read in Korean,
syllable by syllable, and handed to the Korean-name model (korean.py); the Mandarin reading stays, so
that `李克强` is still Li Keqiang. The table holds the family names of korean.py and the given-name
syllables common on the UN 1718 and OFAC DPRK lists and in South Korean names, in traditional and
simplified forms. Source: the Standard Korean Language Dictionary's hanja readings (National Institute of
Korean Language); the DPRK keeps the initial r (리 Ri, 룡 Ryong), as written here.
"""

from __future__ import annotations

from functools import lru_cache


def _table(pairs: str) -> dict[str, str]:
    """'金김 鄭丁정' -> {'金': '김', '鄭': '정', '丁': '정'}: hanja sharing a reading, then the reading."""
    return {ch: entry[-1] for entry in pairs.split() for ch in entry[:-1]}


# Family names (several hanja may share one reading: 鄭丁郑 are all 정).
FAMILY_HANJA = _table(
    "金김 李리 朴박 崔최 鄭丁郑정 姜강 趙赵조 尹윤 張张장 林림 韓韩한 吳吴오 申辛신 徐서 權权권 黃黄황 宋송 "
    "安안 柳劉刘류 洪홍 全전 高고 文문 孫孙손 梁량 白백 許许허 南남 盧卢로 河하 玄현 池지 延연 太태 車车차 "
    "具구 周朱주 方방 石석 元원 千천 沈심 嚴严엄 奇기 卞변 禹우 任임 羅罗라 成성 郭곽 咸함 秋추 裵배 王왕 "
    "明명 蔡채 楊杨양 桂계 康강 吉길 孔공 魏위 都도 馬马마 閔闵민 片편"
)

# Given-name syllables.
GIVEN_HANJA = _table(
    "正貞廷晶정 恩殷銀银은 日一일 成誠城聖성 男南남 哲澈鐵铁喆철 永英榮荣泳영 龍龙룡 浩鎬镐虎好호 秀洙壽寿守수 "
    "勇容用庸용 與与汝如여 敬京慶庆景卿경 俊峻埈준 赫革爀혁 光廣广광 國国국 明명 民珉敏旻민 淑숙 順顺淳순 "
    "善仙宣先선 玉옥 姬姫熙喜希禧희 海해 賢贤鉉炫玄현 植식 錫锡碩奭석 萬万만 福복 德徳덕 大대 泰太태 "
    "基起奇기 東东동 中仲重중 天千천 春춘 雲云운 元源原圓원 周柱珠株주 鳳凤奉봉 佑宇雨祐友우 在載宰才재 "
    "鍾鐘钟宗琮종 世세 相尚祥相상 昌창 昇承勝胜升승 松송 智志知至지 眞真鎭镇振珍진 孝효 亨炯衡형 弘洪홍 "
    "和華华화 煥焕환 寬관 根근 吉길 蘭兰란 烈렬 祿禄록 林림 武茂무 文紋문 美미 範范범 寶宝보 富부 三삼 "
    "瑞서 信新신 實实실 心심 安안 愛爱애 良량 陽양 燕然延연 藝艺예 完완 旭욱 允潤润윤 義义의 仁寅인 子자 "
    "長长장 直직 燦찬 淸清청 忠충 澤泽택 平평 河하 學学학 翰韓한 幸행 憲宪헌 惠慧혜 會会회 勳勋훈 輝辉휘 "
    "興兴흥 麗丽려 龜구 洙수 珠주 鉉현 泰태 軍军군 權권 容용 弼필 喆철 峰峯봉 範범 彬빈 斗두 吉길 雄웅 "
    "振진 均균 奎규 圭규 揆규 成성 永영 豪호 鎬호 鎭진 秉병 炳병 柄병 丙병 浚준 埈준 晩만 晚만 萬만 满만"
)


@lru_cache(maxsize=10_000)
def hangul_reading(name: str) -> str | None:
    """The Korean reading of a hanja name ('金正恩' -> '김정은'), or None when it is not one the table
    reads: 2-4 characters (spaces and a middle dot aside), a family-name hanja first, every other character
    a given-name hanja."""
    chars = [c for c in name if not c.isspace() and c not in "·・"]
    if not 2 <= len(chars) <= 4 or chars[0] not in FAMILY_HANJA:
        return None
    given = [GIVEN_HANJA.get(c) for c in chars[1:]]
    if any(g is None for g in given):
        return None
    return FAMILY_HANJA[chars[0]] + "".join(g for g in given if g)
