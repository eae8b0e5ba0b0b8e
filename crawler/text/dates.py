"""Parse the dates printed on Arabic news pages into ISO 8601 strings with an offset.

dateparser knows the Egyptian/Gulf month names (نوفمبر) and common relative phrases, but not the
Levantine/Iraqi (تشرين الثاني) or Maghreb (جانفي، أوت) names, not Hijri dates and not ISO strings in
Arabic context. Those are handled here explicitly, on text normalised by crawler.text.arabic.normalize;
dateparser remains the fallback for everything else.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dateparser
from dateutil.relativedelta import relativedelta
from hijridate import Hijri

from crawler.text.arabic import normalize

log = logging.getLogger(__name__)

# Month names as printed; hamza/alef variants (اغسطس، ابريل) meet after normalisation.
_GREGORIAN_MONTHS: dict[int, tuple[str, ...]] = {
    1: ("يناير", "كانون الثاني", "جانفي", "جانفييه", "January", "Jan"),
    2: ("فبراير", "شباط", "فيفري", "فبرير", "February", "Feb"),
    3: ("مارس", "آذار", "March", "Mar"),
    4: ("أبريل", "إبريل", "نيسان", "أفريل", "April", "Apr"),
    5: ("مايو", "ماي", "أيار", "May"),
    6: ("يونيو", "يونيه", "حزيران", "جوان", "June", "Jun"),
    7: ("يوليو", "يوليه", "تموز", "جويلية", "يوليوز", "July", "Jul"),
    8: ("أغسطس", "اغسطس", "آب", "أوت", "غشت", "August", "Aug"),
    9: ("سبتمبر", "أيلول", "شتنبر", "September", "Sep", "Sept"),
    10: ("أكتوبر", "تشرين الأول", "October", "Oct"),
    11: ("نوفمبر", "تشرين الثاني", "نونبر", "November", "Nov"),
    12: ("ديسمبر", "كانون الأول", "دجنبر", "December", "Dec"),
}
_HIJRI_MONTHS: dict[int, tuple[str, ...]] = {
    1: ("محرم",),
    2: ("صفر",),
    3: ("ربيع الأول", "ربيع الاول", "ربيع أول"),
    4: ("ربيع الآخر", "ربيع الثاني", "ربيع ثاني", "ربيع آخر"),
    5: ("جمادى الأولى", "جمادى الأول", "جمادى الاولى"),
    6: ("جمادى الآخرة", "جمادى الثانية", "جمادى الآخر", "جمادى الثاني"),
    7: ("رجب",),
    8: ("شعبان",),
    9: ("رمضان",),
    10: ("شوال",),
    11: ("ذو القعدة", "ذي القعدة"),
    12: ("ذو الحجة", "ذي الحجة"),
}


def _month_table(months: dict[int, tuple[str, ...]]) -> tuple[dict[str, int], str]:
    """Normalised name -> month number, and a regex alternation (longest names first)."""
    table = {normalize(name): num for num, names in months.items() for name in names}
    alternation = "|".join(re.escape(n) for n in sorted(table, key=len, reverse=True))
    return table, alternation


_GREG, _GREG_RE = _month_table(_GREGORIAN_MONTHS)
_HIJ, _HIJ_RE = _month_table(_HIJRI_MONTHS)

# Word edges: Arabic has no \b between a letter and a clitic, so look at letters explicitly.
_L = r"(?<![^\W\d_])"
_R = r"(?![^\W\d_])"
_TIME = (
    r"(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?\s*(?P<ampm>صباحا|صباح|مساء|ص|م|am|pm|a\.m\.|p\.m\.)?"
    + _R
)
# "23 نوفمبر 2020" with an optional second month name ("نوفمبر/تشرين الثاني", "11 (نوفمبر)").
_DMY_NAMED = re.compile(
    rf"{_L}(?P<d>\d{{1,2}})\s*(?:\(\s*)?(?P<m>{_GREG_RE}){_R}\s*\)?"
    rf"(?:\s*[/-]\s*(?:{_GREG_RE}){_R})?\s*,?\s*(?P<y>\d{{4}})(?!\d)"
)
# "نوفمبر 23, 2020" (English order, also used by some Arabic CMSs).
_MDY_NAMED = re.compile(rf"{_L}(?P<m>{_GREG_RE}){_R}\s+(?P<d>\d{{1,2}})\s*,\s*(?P<y>\d{{4}})(?!\d)")
_HIJRI = re.compile(rf"{_L}(?P<d>\d{{1,2}})\s*(?P<m>{_HIJ_RE}){_R}\s*,?\s*(?P<y>1[34]\d\d)(?!\d)")
_HIJRI_NUMERIC = re.compile(r"(?<!\d)(?P<y>1[34]\d\d)[/-](?P<m>\d{1,2})[/-](?P<d>\d{1,2})(?!\d)\s*ه")
_YMD = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)[/.-](?P<m>\d{1,2})[/.-](?P<d>\d{1,2})(?!\d)")
_DMY = re.compile(r"(?<!\d)(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>(?:19|20)\d\d)(?!\d)")
_TIME_RE = re.compile(_TIME)
_ISO = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:z|[+-]\d{2}:?\d{2})?$", re.I
)

_UNITS_RAW = {
    "ثانية": "seconds",
    "ثواني": "seconds",
    "ثوان": "seconds",
    "دقيقة": "minutes",
    "دقائق": "minutes",
    "ساعة": "hours",
    "ساعات": "hours",
    "يوم": "days",
    "أيام": "days",
    "أسبوع": "weeks",
    "أسابيع": "weeks",
    "شهر": "months",
    "أشهر": "months",
    "شهور": "months",
    "سنة": "years",
    "سنوات": "years",
    "عام": "years",
    "أعوام": "years",
}
_UNITS = {normalize(k): v for k, v in _UNITS_RAW.items()}
# Arabic duals ("يومين") carry the number in the word.
_DUALS = {
    "ثانيتين": ("seconds", 2),
    "دقيقتين": ("minutes", 2),
    "ساعتين": ("hours", 2),
    "يومين": ("days", 2),
    "اسبوعين": ("weeks", 2),
    "شهرين": ("months", 2),
    "سنتين": ("years", 2),
    "عامين": ("years", 2),
}  # already in normalised spelling
_RELATIVE = re.compile(
    r"(?:منذ|قبل)\s+(?:(?P<n>\d+)\s+(?P<unit>"
    + "|".join(_UNITS)
    + r")|(?P<dual>"
    + "|".join(_DUALS)
    + r")|(?P<single>"
    + "|".join(_UNITS)
    + r"))"
    + _R
)
_YESTERDAY = re.compile(rf"{_L}(?:امس|البارحه){_R}")
_TODAY = re.compile(rf"{_L}(?:اليوم|الان|منذ قليل){_R}")


@lru_cache(maxsize=64)
def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {tz!r}") from exc


def _clock(text: str) -> time | None:
    """The first time of day in the text, honouring ص/م (AM/PM) after the time."""
    m = _TIME_RE.search(text)
    if not m:
        return None
    hour, minute, second = int(m["h"]), int(m["mi"]), int(m["s"] or 0)
    ampm = (m["ampm"] or "").replace(".", "")
    if ampm in {"م", "مساء", "pm"} and hour < 12:
        hour += 12
    elif ampm in {"ص", "صباح", "صباحا", "am"} and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


def _combine(day: date, text: str, zone: ZoneInfo) -> str:
    clock = _clock(text) or time(0, 0)
    return datetime.combine(day, clock, tzinfo=zone).isoformat()


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _absolute(norm: str) -> date | None:
    """A Gregorian date written with a month name or numerically (day first, as in Arabic usage)."""
    for pattern in (_DMY_NAMED, _MDY_NAMED):
        m = pattern.search(norm)
        if m:
            return _safe_date(int(m["y"]), _GREG[m["m"]], int(m["d"]))
    for pattern in (_YMD, _DMY):
        m = pattern.search(norm)
        if m:
            return _safe_date(int(m["y"]), int(m["m"]), int(m["d"]))
    return None


def _hijri(norm: str) -> date | None:
    """A Hijri (Umm al-Qura) date converted to Gregorian."""
    m = _HIJRI.search(norm)
    month = _HIJ[m["m"]] if m else None
    if not m:
        m = _HIJRI_NUMERIC.search(norm)
        month = int(m["m"]) if m else None
    if not m or month is None:
        return None
    try:
        return Hijri(int(m["y"]), month, int(m["d"])).to_gregorian()
    except (ValueError, OverflowError):
        return None


def _relative(norm: str, now: datetime) -> datetime | None:
    """منذ 3 ساعات، منذ يومين، قبل دقيقة، أمس، اليوم."""
    m = _RELATIVE.search(norm)
    if m:
        if m["dual"]:
            unit, n = _DUALS[m["dual"]]
        elif m["single"]:
            unit, n = _UNITS[m["single"]], 1
        else:
            unit, n = _UNITS[m["unit"]], int(m["n"])
        return now - relativedelta(**{unit: n})
    for pattern, days in ((_YESTERDAY, 1), (_TODAY, 0)):
        if pattern.search(norm):
            day = (now - timedelta(days=days)).date()
            clock = _clock(norm)
            return datetime.combine(day, clock, tzinfo=now.tzinfo) if clock else now - timedelta(days=days)
    return None


def _iso(text: str, zone: ZoneInfo) -> str | None:
    if not _ISO.match(text):
        return None
    try:
        parsed = datetime.fromisoformat(re.sub(r"[zZ]$", "+00:00", text))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.isoformat()


def parse_date(text: str, *, tz: str = "UTC", now: datetime | None = None) -> str | None:
    """Parse a date as printed on a news page.

    Args:
        text: e.g. ``2020-11-23T10:00:00+08:00``, ``الاثنين 23 نوفمبر 2020 - 10:30 ص``,
            ``٢٣ تشرين الثاني ٢٠٢٠``, ``7 ربيع الآخر 1442 هـ``, ``منذ 3 ساعات``.
        tz: IANA zone for dates printed without an offset.
        now: the reference time for relative dates (default: the current time in ``tz``).
    Returns:
        ISO 8601 with offset (``2020-11-23T10:30:00+00:00``), or None when no date is found.
    Raises:
        ValueError: ``tz`` is not a known time zone.
    """
    zone = _zone(tz)
    if not text or not text.strip():
        return None
    text = text.strip()
    iso = _iso(text, zone)
    if iso:
        return iso
    norm = normalize(text)
    # A Gregorian date wins over a Hijri one printed next to it ("7 ربيع الآخر 1442 هـ الموافق 23 نوفمبر").
    day = _absolute(norm) or _hijri(norm)
    if day:
        return _combine(day, norm, zone)
    now = (
        now.astimezone(zone)
        if now and now.tzinfo
        else (now.replace(tzinfo=zone) if now else datetime.now(zone))
    )
    rel = _relative(norm, now)
    if rel:
        return rel.replace(microsecond=0).isoformat()
    return _dateparser(text, tz, now)


def _dateparser(text: str, tz: str, now: datetime) -> str | None:
    settings = {
        "RELATIVE_BASE": now.replace(tzinfo=None),
        "TIMEZONE": tz,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DAY_OF_MONTH": "first",
        "DATE_ORDER": "DMY",
    }
    try:
        parsed = dateparser.parse(text, languages=["ar", "en", "fr"], settings=settings)
    except (ValueError, OverflowError, TypeError) as exc:
        log.debug("dateparser failed on %r: %s", text, exc)
        return None
    return parsed.replace(microsecond=0).isoformat() if parsed else None
