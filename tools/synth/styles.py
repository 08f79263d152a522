"""Random print styles for the randomised layouts: fonts, label forms, sizes, spacing, date forms.

A `Style` is drawn once per document from a seeded generator, before anything is laid out, so a
layout may be redrawn smaller (to fit its page) without changing what the generator draws next.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date

from tools.synth.layout import FONTS, INK, Font, FontSet, PageLayout, Text, text_width

LAYOUTS = ("fixed", "random")
"""`fixed`: the layouts the reader was developed on (dev split, committed samples);
`random`: a layout family and its geometry, spellings, fonts and spacing drawn per document."""

LABEL_FORMS = ("plain", "spaced", "justified", "colon")
DATE_FORMS = ("padded", "plain", "gapped", "numerals")
CN_DIGITS = "〇一二三四五六七八九"
WATERMARK_USES = ("首版次软件申报", "项目申报", "办理相关业务", "资质审核", "投标")


def layouts_for(split: str, layouts: str | None) -> str:
    """The dev split keeps the layouts it was tuned on; held-out cases draw theirs at random."""
    if layouts is None:
        return "fixed" if split == "dev" else "random"
    if layouts not in LAYOUTS:
        raise ValueError(f"layouts must be one of {LAYOUTS}, not {layouts!r}")
    return layouts


@dataclass(frozen=True)
class Style:
    """How one document is printed; sizes are 300-DPI pixels at scale 1."""

    fonts: FontSet
    label_form: str
    label_chars: int
    """Width, in characters, that spaced and justified labels are spread over."""
    label_size: float
    value_size: float
    leading: float
    """Baseline to baseline within a wrapped value, in value sizes."""
    row_gap: float
    """Extra space between rows, in value sizes."""
    label_gap: float
    """White space between a label column and its values, in label sizes."""
    inline: bool
    """The value starts right after its label instead of at a common value column."""
    date_form: str
    colon: str
    label_color: tuple[int, int, int] = INK
    scale: float = 1.0

    def scaled(self, factor: float) -> Style:
        return replace(self, scale=self.scale * factor)

    @property
    def lsize(self) -> float:
        return self.label_size * self.scale

    @property
    def vsize(self) -> float:
        return self.value_size * self.scale


def random_fonts(rng: random.Random, for_pdf: bool) -> FontSet:
    """Title, label and value faces drawn independently among the installed CJK fonts."""
    faces = [f for f in FONTS.values() if f.pdf_ok or not for_pdf]
    bold = [f for f in faces if "bold" in f.key or f.key in ("zenhei", "microhei")]
    title = rng.choice(bold)
    label = rng.choice(bold if rng.random() < 0.5 else faces)
    value = rng.choice([f for f in faces if "bold" not in f.key])
    return FontSet(title, label, value)


def draw_style(rng: random.Random, for_pdf: bool, size: float = 50.0) -> Style:
    fonts = random_fonts(rng, for_pdf)
    form = rng.choices(LABEL_FORMS, weights=(3, 3, 3, 2))[0]
    label_size = size * rng.uniform(0.85, 1.2)
    return Style(
        fonts=fonts,
        label_form=form,
        label_chars=rng.choice((4, 4, 5)),
        label_size=label_size,
        value_size=label_size * rng.uniform(0.8, 1.05),
        leading=rng.uniform(1.3, 1.7),
        row_gap=rng.uniform(0.15, 0.9),
        label_gap=rng.uniform(0.3, 1.6),
        inline=form == "colon" and rng.random() < 0.6,
        date_form=rng.choices(DATE_FORMS, weights=(4, 2, 2, 1))[0],
        colon=rng.choice(("：", "：", ":")),
        label_color=INK if rng.random() < 0.7 else (rng.randint(20, 70), rng.randint(20, 50), rng.randint(10, 40)),
    )  # fmt: skip


def cn_numerals(number: int) -> str:
    """A month or day in Chinese numerals: 3 → 三, 10 → 十, 17 → 十七, 23 → 二十三."""
    tens, units = divmod(number, 10)
    text = ("" if tens < 2 else CN_DIGITS[tens]) + ("十" if tens else "")
    return text + (CN_DIGITS[units] if units else "")


def date_text(day: date, form: str) -> str:
    """A date as printed: 2021年03月05日, 2021年3月5日, 2021 年 03 月 05 日, 二〇二一年三月五日."""
    if form == "plain":
        return f"{day.year}年{day.month}月{day.day}日"
    if form == "gapped":
        return f"{day.year} 年 {day.month:02d} 月 {day.day:02d} 日"
    if form == "numerals":
        year = "".join(CN_DIGITS[int(d)] for d in str(day.year))
        return f"{year}年{cn_numerals(day.month)}月{cn_numerals(day.day)}日"
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


def spaced(label: str, chars: int) -> str:
    """名称 → 名　　称: ideographic spaces between the characters to fill `chars` widths."""
    if len(label) < 2 or len(label) >= chars:
        return label
    gaps = len(label) - 1
    per = max(1, (chars - len(label)) // gaps)
    return ("\u3000" * per).join(label)


def label_width(label: str, style: Style) -> float:
    """Width the label takes in this style."""
    size, font = style.lsize, style.fonts.label
    if style.label_form == "justified" and 1 < len(label) < style.label_chars:
        return style.label_chars * size
    if style.label_form == "spaced":
        return text_width(spaced(label, style.label_chars), font, size)
    if style.label_form == "colon":
        return text_width(label + style.colon, font, size)
    return text_width(label, font, size)


def put_label(page: PageLayout, x: float, y: float, label: str, style: Style) -> float:
    """Draw `label` at (x, baseline y) in the style's form; returns the x just after it.

    `justified` spreads a short label over `label_chars` widths as one box per character,
    the way the 2014 licences print 名　称 and OCR reads them back as separate boxes."""
    size, font, color = style.lsize, style.fonts.label, style.label_color
    if style.label_form == "justified" and 1 < len(label) < style.label_chars:
        step = (style.label_chars - 1) * size / (len(label) - 1)
        for i, char in enumerate(label):
            page.add(Text(x + i * step, y, char, font, size, color, role="label"))
        return x + style.label_chars * size
    text = label
    if style.label_form == "spaced":
        text = spaced(label, style.label_chars)
    elif style.label_form == "colon":
        text = label + style.colon
    return page.text(x, y, text, font, size, color=color, role="label")


def watermark(page: PageLayout, rng: random.Random, font: Font) -> None:
    """仅限…使用 printed faintly across the page at a slant, as clerks stamp their copies."""
    text = f"仅限{rng.choice(WATERMARK_USES)}使用"
    tone = rng.randint(190, 225)
    angle = rng.choice((-1, 1)) * rng.uniform(20, 40)
    size = rng.uniform(110, 190)
    step_x, step_y = rng.uniform(1300, 1900), rng.uniform(800, 1200)
    y = rng.uniform(300, 600)
    while y < page.height:
        x = rng.uniform(-300, 100)
        while x < page.width:
            page.add(Text(x, y, text, font, size, (tone, tone, tone + 5), angle=angle, role="watermark"))  # fmt: skip
            x += step_x
        y += step_y


def drawn_text(page: PageLayout) -> str:
    """Every character the page prints as content, in drawing order, without white space."""
    texts = (t.text for t in page.items if isinstance(t, Text) and t.role != "watermark")
    return "".join("".join(texts).split()).replace("\u3000", "")
