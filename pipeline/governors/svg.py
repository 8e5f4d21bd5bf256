"""Inline SVG bar and line charts for the governor pack's web page, and how values read.

The charts are drawn in Python with no library and no script: axes, gridlines, category
labels, a value on every bar (and on the points of a single-series trend), the target as
a dashed line with its label, a <title> and a <desc> that says every value in words.
Output depends only on the chart, so a rerun is byte-identical. Every text is escaped.
The value helpers (percent one decimal half up, £, '<N' kept as text) are shared with
the page's tables and the workbook so all three read the same.
"""
from __future__ import annotations

import html
import math
import re

from ..rounding import half_up
from .model import MONEY, NUMBER, PERCENT, Chart

WIDTH, HEIGHT = 600, 360
FONT = "Arial, Helvetica, sans-serif"
INK, MUTED, GRID, AXIS = "#0b0c0c", "#505a5f", "#dcdfe2", "#6f777b"
# colour-blind-friendly, dark enough for white-on-colour and for print in greys (GOV.UK palette)
PALETTE = ("#1d70b8", "#f47738", "#4c2c92", "#28a197", "#d53880", "#85994b", "#6f72af", "#b58840")
TARGET_COLOUR = INK
MARKERS = ("circle", "square", "diamond", "triangle")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# --- how values read ------------------------------------------------------------------------------

def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def percent_text(value) -> str:
    return f"{half_up(value, 1)}%"


def money_text(value, pence: bool | None = None) -> str:
    """£1,234 for whole pounds, £1,234.50 otherwise (or as `pence` says)."""
    if pence is None:
        pence = not float(value).is_integer()
    amount = half_up(value, 2 if pence else 0)
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}" if pence else f"{sign}£{abs(amount):,.0f}"


def number_text(value) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{half_up(value, 2).normalize():,f}"


def value_text(value, kind: str = "number", pence: bool | None = None) -> str:
    """A table or chart value as a person reads it: '' for None, text (e.g. '<3') as it is; money with pence
    when `pence` (None: when the amount has them)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if not is_number(value):
        return str(value)
    if kind == "percent":
        return percent_text(value)
    if kind == "money":
        return money_text(value, pence)
    return number_text(value)


# --- small svg helpers ----------------------------------------------------------------------------

def esc(text) -> str:
    """Text safe inside an SVG/HTML element or a quoted attribute."""
    return html.escape(_CONTROL.sub("", str(text)), quote=True)


def _n(x: float) -> str:
    """A coordinate with at most one decimal, no '-0', no trailing '.0'."""
    s = f"{x:.1f}"
    if s.endswith(".0"):
        s = s[:-2]
    return "0" if s == "-0" else s


def _text_width(text: str, size: float) -> float:
    return len(text) * size * 0.56


def _lines_of(text: str, chars: int) -> list[str]:
    """Word-wrap to lines of at most `chars` characters (a longer word is cut with '-')."""
    chars = max(chars, 2)
    out, line = [], ""
    for word in str(text).split():
        while len(word) > chars:
            if line:
                out.append(line)
                line = ""
            out.append(word[:chars - 1] + "-")
            word = word[chars - 1:]
        if line and len(line) + 1 + len(word) > chars:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        out.append(line)
    return out or [""]


def wrap(text: str, chars: int, lines: int) -> list[str]:
    """Word-wrap to at most `lines` lines; if the text is longer, the last line is cut and ends with '…'."""
    out = _lines_of(text, chars)
    if len(out) > lines:
        rest = " ".join(out[lines - 1:])
        out = out[:lines - 1] + [rest[:max(chars, 2) - 1].rstrip() + "…"]
    return out


def fits(text: str, chars: int, lines: int) -> bool:
    """True if the text wraps into `lines` lines of `chars` without cutting a word."""
    words = str(text).split()
    return all(len(w) <= chars for w in words) and len(_lines_of(text, chars)) <= lines


def _label(text: str, x: float, y: float, size: float = 12, anchor: str = "middle", fill: str = INK,
           weight: str = "", extra: str = "") -> str:
    bold = ' font-weight="bold"' if weight else ""
    return (f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}" text-anchor="{anchor}" fill="{fill}"'
            f'{bold}{extra}>{esc(text)}</text>')


def _halo() -> str:
    """A white outline behind a label so it reads over bars and lines."""
    return ' stroke="#fff" stroke-width="4" stroke-linejoin="round" paint-order="stroke"'


# --- scales ----------------------------------------------------------------------------------------

def _nice_step(raw: float, whole: bool) -> float:
    """The smallest round step (1, 2, 2.5, 5 x 10^k; no 2.5 for whole numbers) of at least `raw`."""
    if raw <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(raw))
    for m in ((1, 2, 5, 10) if whole else (1, 2, 2.5, 5, 10)):
        if m * exp >= raw - 1e-12:
            return max(m * exp, 1.0) if whole else m * exp
    return 10 * exp


def y_scale(values: list[float], target: float | None, percent: bool) -> tuple[float, float, float]:
    """(min, max, step) of the y axis: 0-100 for percentages that fit, else round numbers around the data
    and the target, always including 0."""
    points = [v for v in values if is_number(v)] + ([target] if is_number(target) else [])
    low, high = min(points + [0.0]), max(points + [0.0])
    if percent and low >= 0 and high <= 100:
        return 0.0, 100.0, 20.0
    if high == low:
        return (0.0, 100.0, 20.0) if percent else (0.0, 5.0, 1.0)
    step = _nice_step((high - low) / 5, all(float(v).is_integer() for v in points))
    return math.floor(low / step + 1e-9) * step, math.ceil(high / step - 1e-9) * step, step


# --- the chart --------------------------------------------------------------------------------------

def chart_svg(chart: Chart, ident: str = "chart", width: int = WIDTH, height: int = HEIGHT) -> str:
    """One chart as an inline <svg> (no xmlns needed inside HTML), sized by its viewBox so it scales.
    `ident` makes the ids of its <title> and <desc> unique in the page; a narrow `width` (about 400)
    lays the same chart out for a phone."""
    return _Drawing(chart, ident, width, height).svg()


class _Drawing:
    def __init__(self, chart: Chart, ident: str, width: int, height: int):
        self.c, self.w, self.h = chart, width, height
        self.id = re.sub(r"[^A-Za-z0-9_-]", "-", ident) or "chart"
        self.kind = "line" if chart.kind == "line" else "bar"
        self.value_kind = PERCENT if chart.percent else MONEY if chart.money else NUMBER
        self.n = len(chart.categories)
        self.series = [(str(name), list(values) + [None] * (self.n - len(values)))
                       for name, values in chart.series]
        numbers = [v for _, vals in self.series for v in vals[:self.n] if is_number(v)]
        self.empty = not numbers
        self.lo, self.hi, self.step = y_scale(numbers, chart.target, chart.percent)
        self.parts: list[str] = []
        self.labels: list[str] = []           # value labels, drawn last so no line crosses them
        self._layout()

    # layout -----------------------------------------------------------------------------------
    def _layout(self):
        self.title_lines = wrap(self.c.title, int((self.w - 24) / (16 * 0.56)), 2)
        top = 14 + 20 * len(self.title_lines) + 10
        ticks = self._ticks()
        tick_w = max((_text_width(self._tick_text(t), 12) for t in ticks), default=20)
        self.left = 12 + (22 if self.c.y_title else 0) + tick_w + 8
        self.right = self.w - 16
        if is_number(self.c.target):          # the target's label sits right of the plot, clear of the data
            self.right -= 10 + max(_text_width("Target", 12), _text_width(self._value(self.c.target), 12))
        self.legend = self._legend_items()
        self.legend_rows = self._legend_rows()
        bottom = self.h - 10 - 20 * len(self.legend_rows)
        self.band = (self.right - self.left) / max(self.n, 1)
        self.every, self.xlabels = self._x_labels()
        if self.rotate:
            bottom -= 14 + 0.71 * max((_text_width(lines[0], 12) for lines in self.xlabels if lines), default=0)
        else:
            bottom -= 6 + 14 * max((len(lines) for lines in self.xlabels if lines), default=1)
        self.top, self.bottom = top + 8, bottom

    def _ticks(self) -> list[float]:
        count = int(round((self.hi - self.lo) / self.step))
        return [self.lo + i * self.step for i in range(count + 1)]

    def _tick_text(self, value: float) -> str:
        if self.value_kind == "percent":
            return f"{number_text(value)}%"
        if self.value_kind == "money":
            return money_text(value)
        return number_text(value)

    def _x_labels(self) -> tuple[int, list[list[str]]]:
        """Category labels. A bar chart labels every bar: up to three lines, or slanted when they do not
        fit. A trend labels every k-th point on up to two lines when the axis is crowded."""
        cats = [str(c) for c in self.c.categories]
        self.rotate, self.xfont = False, 12
        if self.kind == "bar":
            for size in (12, 11, 10):
                chars = self._chars(1, size)
                if all(fits(c, chars, 3) for c in cats) or chars >= 14:
                    self.xfont = size
                    return 1, [wrap(c, chars, 3) for c in cats]
            self.rotate = True
            return 1, [wrap(c, 24, 1) for c in cats]
        every = 1
        while every < self.n:
            chars = self._chars(every)
            if chars >= 14 or all(fits(c, chars, 2) for c in cats[::every]):
                break
            every += 1
        chars = self._chars(every)
        return every, [wrap(c, chars, 2) if i % every == 0 else [] for i, c in enumerate(cats)]

    def _chars(self, every: int, size: float = 12) -> int:
        return int((self.band * every - 6) / (size * 0.56))

    def _legend_items(self) -> list[tuple[str, str, int]]:
        """Series are named when there are several, when a target shares the plot, or for a trend line."""
        items = []
        if len(self.series) > 1 or is_number(self.c.target) or self.kind == "line":
            items = [(name, "series", i) for i, (name, _) in enumerate(self.series)]
        if is_number(self.c.target):
            items.append((f"Target {self._value(self.c.target)}", "target", -1))
        return items

    def _legend_rows(self) -> list[list[tuple[float, tuple]]]:
        rows, row, x = [], [], 0.0
        for item in self.legend:
            text = wrap(item[0], int((self.w - 72) / (12 * 0.56)), 1)[0]
            w = 28 + _text_width(text, 12) + 18
            if row and x + w > self.w - 32:
                rows.append(row)
                row, x = [], 0.0
            row.append((x, (text,) + item[1:]))
            x += w
        if row:
            rows.append(row)
        return rows

    # geometry ---------------------------------------------------------------------------------
    def y(self, value: float) -> float:
        span = (self.hi - self.lo) or 1
        return self.bottom - (value - self.lo) / span * (self.bottom - self.top)

    def cx(self, i: int) -> float:
        return self.left + self.band * (i + 0.5)

    def _value(self, v) -> str:
        return value_text(v, self.value_kind)

    # drawing ----------------------------------------------------------------------------------
    def svg(self) -> str:
        p = self.parts
        title, desc = f"{self.id}-title", f"{self.id}-desc"
        p.append(f'<svg viewBox="0 0 {self.w} {self.h}" role="img" aria-labelledby="{title} {desc}" '
                 f'class="chart-svg chart-{self.kind}" font-family="{FONT}" preserveAspectRatio="xMidYMid meet">')
        p.append(f'<title id="{title}">{esc(self.c.title)}</title>')
        p.append(f'<desc id="{desc}">{esc(self.description())}</desc>')
        p.append(f'<rect x="0" y="0" width="{self.w}" height="{self.h}" fill="#fff"/>')
        for i, line in enumerate(self.title_lines):
            p.append(_label(line, 12, 14 + 16 + 20 * i, 16, "start", weight="bold"))
        self._axes()
        p.append('<g class="series">')
        if self.kind == "bar":
            self._bars()
        else:
            self._lines()
        p.append("</g>")
        self._target()
        p.extend(self.labels)
        if self.empty:
            p.append(_label("No figures to show yet", (self.left + self.right) / 2, (self.top + self.bottom) / 2,
                            14, fill=MUTED))
        self._legend()
        p.append("</svg>")
        return "\n".join(p)

    def _axes(self):
        p = self.parts
        p.append('<g class="grid">')
        for t in self._ticks():
            y = self.y(t)
            p.append(f'<line x1="{_n(self.left)}" y1="{_n(y)}" x2="{_n(self.right)}" y2="{_n(y)}" '
                     f'stroke="{AXIS if t == 0 else GRID}" stroke-width="1"/>')
            p.append(_label(self._tick_text(t), self.left - 8, y + 4, 12, "end", MUTED))
        p.append("</g>")
        p.append(f'<line x1="{_n(self.left)}" y1="{_n(self.top)}" x2="{_n(self.left)}" y2="{_n(self.bottom)}" '
                 f'stroke="{AXIS}" stroke-width="1"/>')
        if self.c.y_title:
            mid = (self.top + self.bottom) / 2
            text = wrap(self.c.y_title, int((self.bottom - self.top) / (12 * 0.56)), 1)[0]
            p.append(_label(text, 18, mid, 12, "middle", MUTED, extra=f' transform="rotate(-90 18 {_n(mid)})"'))
        for i, lines in enumerate(self.xlabels):
            if self.rotate and lines:
                x, y = self.cx(i) + 4, self.bottom + 14
                p.append(_label(lines[0], x, y, 12, "end", extra=f' transform="rotate(-45 {_n(x)} {_n(y)})"'))
                continue
            for j, line in enumerate(lines):
                p.append(_label(line, self.cx(i), self.bottom + 6 + self.xfont + (self.xfont + 2) * j, self.xfont))

    def _bars(self):
        p = self.parts
        k = max(len(self.series), 1)
        group = self.band * 0.72
        width = group / k
        zero = self.y(max(self.lo, min(0.0, self.hi)))
        for i, cat in enumerate(self.c.categories):
            for s, (name, values) in enumerate(self.series):
                v = values[i]
                x = self.cx(i) - group / 2 + s * width
                colour = PALETTE[s % len(PALETTE)]
                mid = x + width / 2
                if not is_number(v):
                    if isinstance(v, str) and v.strip():           # a suppressed count such as '<3'
                        p.append(_label(str(v), mid, zero - 5, self._fit(str(v), width), fill=MUTED))
                    continue
                top, base = sorted((self.y(v), zero))
                p.append(f'<rect x="{_n(x + 1)}" y="{_n(top)}" width="{_n(max(width - 2, 1))}" '
                         f'height="{_n(max(base - top, 0.5))}" fill="{colour}">'
                         f'<title>{esc(f"{name}, {cat}: {self._value(v)}")}</title></rect>')
                text = self._value(v)
                size = self._fit(text, width)
                if size:
                    y = top - 5 if v >= 0 else base + size + 3
                    self.labels.append(_label(text, mid, y, size, extra=_halo()))

    @staticmethod
    def _fit(text: str, width: float) -> float:
        """Font size for a label over a bar `width` wide: 12 down to 8, or 0 to leave it off."""
        for size in (12, 11, 10, 9, 8):
            if _text_width(text, size) <= width + 4:
                return size
        return 0

    def _lines(self):
        p = self.parts
        widest = max((_text_width(self._value(v), 11) for _, vals in self.series for v in vals if is_number(v)),
                     default=0)
        label_all = len(self.series) == 1 and self.band >= widest + 4
        for s, (name, values) in enumerate(self.series):
            colour = PALETTE[s % len(PALETTE)]
            runs, run = [], []
            for i in range(self.n):
                if is_number(values[i]):
                    run.append((self.cx(i), self.y(values[i])))
                elif run:
                    runs.append(run)
                    run = []
            if run:
                runs.append(run)
            for r in runs:
                if len(r) > 1:
                    pts = " ".join(f"{_n(x)},{_n(y)}" for x, y in r)
                    p.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2.5" '
                             f'stroke-linejoin="round"/>')
            numbered = [i for i in range(self.n) if is_number(values[i])]
            if numbered and not label_all:      # too crowded for every value: the last, the lowest, the highest
                keys = {numbered[-1], min(numbered, key=lambda i: values[i]), max(numbered, key=lambda i: values[i])}
            else:
                keys = set(numbered)
            for i in numbered:
                v = values[i]
                x, y = self.cx(i), self.y(v)
                p.append(self._marker(MARKERS[s % len(MARKERS)], x, y, colour,
                                      f"{name}, {self.c.categories[i]}: {self._value(v)}"))
                if i in keys and (label_all or len(self.series) == 1 or i == numbered[-1]):
                    self.labels.append(_label(self._value(v), x, y - 9, 11, extra=_halo()))

    @staticmethod
    def _marker(shape: str, x: float, y: float, colour: str, tip: str) -> str:
        t = f"<title>{esc(tip)}</title>"
        if shape == "square":
            return f'<rect x="{_n(x - 4)}" y="{_n(y - 4)}" width="8" height="8" fill="{colour}">{t}</rect>'
        if shape == "diamond":
            return (f'<polygon points="{_n(x)},{_n(y - 5.5)} {_n(x + 5.5)},{_n(y)} {_n(x)},{_n(y + 5.5)} '
                    f'{_n(x - 5.5)},{_n(y)}" fill="{colour}">{t}</polygon>')
        if shape == "triangle":
            return (f'<polygon points="{_n(x)},{_n(y - 5.5)} {_n(x + 5.5)},{_n(y + 4.5)} {_n(x - 5.5)},{_n(y + 4.5)}"'
                    f' fill="{colour}">{t}</polygon>')
        return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="4.5" fill="{colour}">{t}</circle>'

    def _target(self):
        target = self.c.target
        if not is_number(target):
            return
        y = self.y(target)
        self.parts.append(f'<line class="target" x1="{_n(self.left)}" y1="{_n(y)}" x2="{_n(self.right + 4)}" '
                          f'y2="{_n(y)}" stroke="{TARGET_COLOUR}" stroke-width="2" stroke-dasharray="7 5"/>')
        self.parts.append(_label("Target", self.right + 8, y - 3, 12, "start", TARGET_COLOUR, "bold"))
        self.parts.append(_label(self._value(target), self.right + 8, y + 12, 12, "start", TARGET_COLOUR, "bold"))

    def _legend(self):
        p = self.parts
        if not self.legend_rows:
            return
        p.append('<g class="legend">')
        y0 = self.h - 10 - 20 * len(self.legend_rows) + 14
        for r, row in enumerate(self.legend_rows):
            width = row[-1][0] + 28 + _text_width(row[-1][1][0], 12)
            x0 = (self.w - width) / 2
            y = y0 + 20 * r
            for x, (text, what, s) in row:
                x += x0
                if what == "target":
                    p.append(f'<line x1="{_n(x)}" y1="{_n(y - 4)}" x2="{_n(x + 22)}" y2="{_n(y - 4)}" '
                             f'stroke="{TARGET_COLOUR}" stroke-width="2" stroke-dasharray="7 5"/>')
                elif self.kind == "line":
                    colour = PALETTE[s % len(PALETTE)]
                    p.append(f'<line x1="{_n(x)}" y1="{_n(y - 4)}" x2="{_n(x + 22)}" y2="{_n(y - 4)}" '
                             f'stroke="{colour}" stroke-width="2.5"/>')
                    p.append(self._marker(MARKERS[s % len(MARKERS)], x + 11, y - 4, colour, text))
                else:
                    p.append(f'<rect x="{_n(x + 4)}" y="{_n(y - 11)}" width="14" height="14" '
                             f'fill="{PALETTE[s % len(PALETTE)]}"/>')
                p.append(_label(text, x + 28, y, 12, "start"))
        p.append("</g>")

    # words ------------------------------------------------------------------------------------
    def description(self) -> str:
        kind = "Line chart" if self.kind == "line" else "Bar chart"
        parts = [f"{kind}: {self.c.title}."]
        if self.c.y_title:
            parts.append(f"Values are {self.c.y_title}.")
        if self.empty:
            parts.append("There are no figures to show yet.")
        for name, values in self.series:
            items = [f"{cat} {self._value(v) if v is not None else 'no figure'}"
                     for cat, v in zip(self.c.categories, values)]
            if items:
                parts.append(f"{name}: " + "; ".join(items) + ".")
        if is_number(self.c.target):
            parts.append(f"The target is {self._value(self.c.target)}, drawn as a dashed line.")
        return " ".join(parts)
