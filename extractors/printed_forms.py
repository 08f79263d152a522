"""The ways a value in its normal form may stand printed on the paper."""

from __future__ import annotations

from datetime import date

HAN_DIGITS = "〇一二三四五六七八九"


def _han_numbers(n: int) -> list[str]:
    """A month or a day in Han numerals as dates print them: 九, 十, 十一, 二十 (廿), 三十一 (卅一)."""
    tens, ones = divmod(n, 10)
    unit = HAN_DIGITS[ones] if ones else ""
    if tens == 0:
        return [HAN_DIGITS[ones]]
    if tens == 1:
        return ["十" + unit]
    forms = [HAN_DIGITS[tens] + "十" + unit]
    if ones:
        forms.append({2: "廿", 3: "卅"}[tens] + unit)
    return forms


def printed_dates(day: date) -> list[str]:
    """`day` as licences and certificates print it: 2015年03月12日, 2015年3月12日, or all in Han
    numerals (二〇一五年三月十二日; 廿 and 卅 for 二十 and 三十)."""
    y, m, d = day.year, day.month, day.day
    han_year = "".join(HAN_DIGITS[int(c)] for c in str(y))
    forms = [f"{y}年{m:02d}月{d:02d}日", f"{y}年{m}月{d}日"]
    forms += [f"{han_year}年{hm}月{hd}日" for hm in _han_numbers(m) for hd in _han_numbers(d)]
    return list(dict.fromkeys(forms))
