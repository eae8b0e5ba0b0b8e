"""Generated Arabic article pages for benchmarks, with their ground-truth body (deterministic per seed).

Texts are recombined from the project's own Arabic texts (tests/labelled, the fixture site's articles
and the reference article); layouts are the fixture site's templates (tests/fixtures/site/templates)
and the stored fixture pages (tests/fixtures/pages), whose article paragraphs are swapped for the
generated ones. Boilerplate (read-also boxes, ads, share bars, comments) is sprinkled in at random.
"""

from __future__ import annotations

import html
import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import lxml.html
from jinja2 import Environment, FileSystemLoader, select_autoescape

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "tests" / "fixtures" / "site"
PAGES = ROOT / "tests" / "fixtures" / "pages"
LABELLED = ROOT / "tests" / "labelled" / "texts"
REFERENCE = ROOT / "reports" / "reference" / "wic-2020.txt"
SITE_LAYOUTS = ("article", "portal", "legacy", "amp")
# Pages made without an explicit date are dated from this instant, so a seed always gives the same bytes.
EPOCH = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
BODY_MARK = "<!--RASAD-BENCH-BODY-->"
TITLE_MARK = "RASADBENCHTITLE"

READ_ALSO = (
    "أسعار الذهب تواصل الارتفاع في الأسواق العالمية", "منتخب مصر يستعد لمواجهة جزر القمر",
    "البنك المركزي يثبت أسعار الفائدة", "قمة المناخ تختتم أعمالها دون اتفاق",
    "ارتفاع أسعار النفط مع تراجع المخزونات", "افتتاح معرض الكتاب الدولي بمشاركة واسعة",
)
BOILERPLATE = (
    '<div class="ad-inline">إعلان ممول: أفضل الهواتف الذكية بأسعار لا تقبل المنافسة</div>',
    '<div class="share-bar"><a href="#">شارك على فيسبوك</a> <a href="#">تويتر</a> <a href="#">واتساب</a></div>',
    '<div class="newsletter">اشترك في النشرة البريدية لتصلك آخر الأخبار يوميا</div>',
    '<figure><img src="/static/photo.jpg" alt="صورة"><figcaption>صورة أرشيفية</figcaption></figure>',
)


@dataclass(frozen=True)
class Text:
    """A source text: kind (relevant or unrelated), title and paragraphs."""

    kind: str
    title: str
    paragraphs: tuple[str, ...]


@dataclass
class Page:
    """One generated page: URL, HTML bytes, Content-Type and the body that was put in it."""

    url: str
    html: bytes
    content_type: str
    title: str
    body: str
    layout: str
    relevant: bool


def _read(path: Path) -> tuple[str, tuple[str, ...]]:
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    return lines[0], tuple(lines[1:])


@cache
def texts() -> tuple[Text, ...]:
    """Every usable Arabic text of the repository, labelled relevant or unrelated."""
    out: list[Text] = []
    for path in sorted(LABELLED.glob("*.txt")):
        title, paras = _read(path)
        out.append(Text("unrelated" if path.stem.startswith("unrelated") else "relevant", title, paras))
    for path in sorted((SITE / "articles").glob("*.txt")):
        if path.stem in {"english", "truncated"}:
            continue
        title, paras = _read(path)
        out.append(Text("unrelated" if path.stem.startswith("unrelated") else "relevant", title, paras))
    paras = tuple(p.strip() for p in REFERENCE.read_text(encoding="utf-8").splitlines() if p.strip())
    out.append(Text("relevant", paras[0], paras[1:]))
    return tuple(t for t in out if len(t.paragraphs) >= 2)


def article_text(rng: random.Random, n: int, relevant: bool) -> tuple[str, list[str]]:
    """A varied article: a base text reordered and cut, padded with paragraphs of texts of its kind."""
    pool = [t for t in texts() if (t.kind == "relevant") == relevant]
    base = rng.choice(pool)
    paras = list(base.paragraphs)
    tail = paras[1:]
    rng.shuffle(tail)
    if len(tail) > 3 and rng.random() < 0.5:
        tail.pop(rng.randrange(len(tail)))
    extra = [rng.choice(rng.choice(pool).paragraphs) for _ in range(rng.randint(0, 3))]
    body = [paras[0], *tail, *extra]
    # A closing line of its own, so no two generated bodies are identical.
    body.append(f"وأعد هذا التقرير فريق التحرير في النشرة رقم {n} لهذا الأسبوع.")
    prefix = rng.choice(("", "", "عاجل: ", "تقرير: ", "بالفيديو: "))
    return prefix + base.title, list(dict.fromkeys(body))


def _sprinkle(rng: random.Random, page: str, home: str) -> str:
    """Boilerplate after some paragraphs, a read-also box and a comments section."""
    parts = page.split("</p>")
    for i in range(1, len(parts) - 1):
        if rng.random() < 0.15:
            parts[i] = rng.choice(BOILERPLATE) + parts[i]
    page = "</p>".join(parts)
    links = "".join(f'<li><a href="{home}news/{rng.randint(1000, 9999)}">{t}</a></li>'
                    for t in rng.sample(READ_ALSO, 3))
    box = f'<aside class="read-also"><h3>اقرأ أيضا</h3><ul>{links}</ul></aside>'
    comments = ('<section class="comments"><h3>التعليقات (2)</h3><div class="comment"><p>تعليق القارئ: '
                'مقال مفيد شكرا</p></div><div class="comment"><p>تعليق القارئ: أين الدول العربية؟</p></div></section>')
    extra = box + (comments if rng.random() < 0.5 else "")
    return page.replace("</body>", extra + "</body>", 1)


@cache
def _env() -> Environment:
    return Environment(loader=FileSystemLoader(SITE / "templates"), autoescape=select_autoescape(["html", "xml"]))


def _site_page(layout: str, url: str, home: str, title: str, paras: list[str], when: datetime) -> str:
    json_ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
                          "datePublished": when.isoformat(), "author": {"@type": "Person", "name": "فريق التحرير"}},
                         ensure_ascii=False).replace("</", "<\\/")
    return _env().get_template(f"{layout}.html").render(
        charset="utf-8", title=title, lead=paras[0][:200], paragraphs=paras, published=when.isoformat(),
        published_display=when.strftime("%Y-%m-%d %H:%M"), canonical=url, home=home, json_ld=json_ld,
        author="فريق التحرير", amp_url=None, outlet={"display": "موقع الاختبار"},
    )


@cache
def fixture_layouts() -> dict[str, str]:
    """Stored fixture pages (UTF-8, no outlet selectors) as templates: paragraphs replaced by a mark."""
    out: dict[str, str] = {}
    for path in sorted(PAGES.glob("*.html")):
        meta = json.loads(path.with_suffix("").with_suffix(".meta.json").read_text(encoding="utf-8"))
        expected = json.loads(path.with_suffix("").with_suffix(".expected.json").read_text(encoding="utf-8"))
        if "selectors" in meta or "content_type" in meta or not expected.get("body_contains"):
            continue
        try:
            source = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:  # the windows-1256 pages: encodings are not what is measured here
            continue
        if "1256" in source[:2000]:
            continue
        tree = lxml.html.document_fromstring(source)
        first = expected["body_contains"][0]
        hit = next((p for p in tree.iter("p") if first in p.text_content()), None)
        if hit is None or hit.getparent() is None:
            continue
        container = hit.getparent()
        paras = [p for p in container if p.tag == "p"]
        mark = lxml.html.Element("rasad-body")
        container.insert(container.index(paras[0]), mark)
        for p in paras:
            container.remove(p)
        page = lxml.html.tostring(tree, encoding="unicode", doctype="<!DOCTYPE html>")
        page = page.replace("<rasad-body></rasad-body>", BODY_MARK)
        if expected.get("title"):
            page = page.replace(html.escape(expected["title"], quote=False), TITLE_MARK)
        if BODY_MARK in page:
            out[path.stem] = page
    return out


def make_page(rng: random.Random, n: int, *, base_url: str = "https://bench.example", relevant_share: float = 0.75,
              path: str | None = None, when: datetime | None = None) -> Page:
    """Page number `n`: a layout, a generated text and boilerplate."""
    relevant = rng.random() < relevant_share
    title, paras = article_text(rng, n, relevant)
    when = when or EPOCH - timedelta(hours=rng.randint(1, 48))
    url = f"{base_url}{path or f'/news/2026/11/{1 + n % 27}/article-{n}'}"
    home = base_url + "/"
    layouts = [*SITE_LAYOUTS, *sorted(fixture_layouts())]
    layout = layouts[n % len(layouts)]
    if layout in SITE_LAYOUTS:
        page = _site_page(layout, url, home, title, paras, when)
    else:
        body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paras)
        page = fixture_layouts()[layout].replace(BODY_MARK, body).replace(TITLE_MARK, html.escape(title, quote=False))
    page = _sprinkle(rng, page, home)
    return Page(url, page.encode("utf-8"), "text/html; charset=utf-8", title, "\n".join(paras), layout, relevant)


def make_pages(count: int, seed: int = 5, **kwargs: object) -> list[Page]:
    """`count` pages, the same for a given seed."""
    rng = random.Random(seed)
    return [make_page(rng, n, **kwargs) for n in range(count)]  # type: ignore[arg-type]
