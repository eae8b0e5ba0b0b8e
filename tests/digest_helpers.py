"""Synthetic stored articles for digest tests and the example rendering.

They imitate the fixture crawl: the reference story syndicated verbatim by three outlets, a wire
rewrite, related reports, passing mentions and one article whose figures contradict the reference.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from crawler.items import doc_id_for

TOPIC = "wic-2020"
WIRE = "story-wic-opening"
EXPO = "story-light-expo"

_LEAD = "افتتح المؤتمر العالمي للإنترنت ومنتدى تطوير الإنترنت في 23 نوفمبر الجاري في مدينة ووتشن بمقاطعة تشجيانغ."
_SHARED = ["35.8 تريليون يوان", "36.2 بالمائة", "130 شركة", "15 إنجازا", "7 سنوات"]

# (outlet, domain, relation, similarity, story, day, hour, title, conflicting, novel)
_ROWS: list[tuple[str, str, str, float, str | None, int, int, str, list[str], list[str]]] = [
    ("شينخوا", "arabic.news.cn", "copy", 0.97, WIRE, 23, 9, "افتتاح المؤتمر العالمي للإنترنت في ووتشن", [], []),
    ("الشعب اليومية", "arabic.people.com.cn", "copy", 0.94, WIRE, 23, 14, "المؤتمر العالمي للإنترنت يفتتح أعماله في ووتشن", [], []),
    ("سي جي تي إن العربية", "arabic.cgtn.com", "copy", 0.91, WIRE, 24, 8, "الصين: بناء مجتمع ذي مصير مشترك في الفضاء الإلكتروني", [], []),
    ("الصين اليوم", "www.chinatoday.com.cn", "copy", 0.88, WIRE, 24, 11, "ووتشن تستضيف المؤتمر العالمي للإنترنت للعام السابع", [], []),
    ("إذاعة الصين الدولية", "arabic.cri.cn", "rewrite", 0.46, WIRE, 24, 16, "شي جين بينغ يبعث برسالة تهنئة إلى منتدى تطوير الإنترنت",
     [], ["وأشار محللون إلى أن الرسالة تعكس انفتاح الصين على التعاون الرقمي."]),
    ("الأهرام", "gate.ahram.org.eg", "rewrite", 0.38, WIRE, 25, 7, "الاقتصاد الرقمي الصيني يبلغ 38.5 تريليون يوان",
     ["35.8 تريليون يوان ← 38.5 تريليون يوان (حجم الاقتصاد الرقمي)", "36.2 بالمائة ← 39 بالمائة (من الناتج المحلي)"],
     ["وقال خبير مصري إن التجربة الصينية تستحق الدراسة.", "ويأتي المؤتمر في ظل جائحة كوفيد-19."]),
    ("اليوم السابع", "www.youm7.com", "related", 0.12, EXPO, 23, 18, "معرض «نور الإنترنت» يعرض أحدث تقنيات الذكاء الاصطناعي", [],
     ["شاركت شركات مصرية ناشئة في جناح خاص بالمعرض.", "وعرضت بايدو روبوتا يتحاور مع الأطفال.", "واستقطب المعرض آلاف الزوار."]),
    ("سكاي نيوز عربية", "www.skynewsarabia.com", "related", 0.10, EXPO, 24, 20, "روبوتات وشبكات الجيل الخامس في معرض ووتشن", [],
     ["يتوقع خبراء أن تنتشر شبكات الجيل الخامس في المنطقة العربية قريبا."]),
    ("الشرق الأوسط", "aawsat.com", "related", 0.09, None, 25, 9, "الصين تطرح مبادرة أمن البيانات العالمية في ووتشن", [],
     ["ورأى دبلوماسيون غربيون أن المبادرة تثير تساؤلات."]),
    ("الجزيرة نت", "www.aljazeera.net", "mention", 0.03, None, 25, 13, "سباق التقنية بين واشنطن وبكين يحتدم", [],
     ["وتعقد الصين سنويا المؤتمر العالمي للإنترنت في ووتشن."]),
    ("روسيا اليوم", "arabic.rt.com", "mention", 0.04, None, 26, 10, "لافروف يشيد بمبادرة صينية لأمن المعلومات", [],
     ["أشاد وزير الخارجية الروسي بالتعاون مع الصين."]),
    ("العربية", "www.alarabiya.net", "mention", 0.02, None, 26, 15, "ما هي قمة ووتشن؟ خمسة أسئلة عن مؤتمر الإنترنت الصيني", [], []),
    ("الأناضول", "www.aa.com.tr", "mention", 0.02, None, 27, 8, "تقرير: الاقتصاد الرقمي يقود النمو في آسيا", [],
     ["وتحتل الصين المرتبة الأولى عالميا في حجم الاقتصاد الرقمي."]),
    ("وام", "wam.ae", "related", 0.11, EXPO, 25, 12, "الإمارات تشارك في معرض نور الإنترنت بالصين", [],
     ["وشارك وفد إماراتي في جلسات الحوكمة الرقمية."]),
    ("شينخوا", "arabic.news.cn", "related", 0.14, EXPO, 22, 17, "صور: أطفال يتحاورون مع روبوت في معرض نور الإنترنت", [], []),
]


def sample_articles(indexed_at: datetime, *, topic: str = TOPIC, prefix: str = "") -> list[dict[str, Any]]:
    """Fifteen stored-article documents (with "id"), all indexed at `indexed_at` plus a few minutes.

    Args:
        indexed_at: when the crawl indexed them (selects the digest period).
        prefix: a URL path segment, so several batches can coexist in one index.
    """
    docs = []
    for i, (outlet, domain, relation, sim, story, day, hour, title, conflicts, novel) in enumerate(_ROWS):
        url = f"https://{domain}/{prefix}wic/2020/11/{day}/article-{i}.html"
        shared = _SHARED[: 5 if relation == "copy" else 3 if relation == "rewrite" else 1 if relation == "related" else 0]
        docs.append(
            {
                "id": doc_id_for(url),
                "url": url,
                "canonical_url": url,
                "source": domain.split(".")[-2],
                "source_name": outlet,
                "domain": domain,
                "title": title,
                "lead": _LEAD if relation in ("copy", "rewrite") else title,
                "body": _LEAD,
                "authors": [],
                "published_at": f"2020-11-{day:02d}T{hour:02d}:00:00+08:00",
                "indexed_at": (indexed_at + timedelta(minutes=i)).isoformat(),
                "language": "ar",
                "topic": topic,
                "relevance": 0.9,
                "similarity": sim,
                "relation": relation,
                "story_id": story,
                "facts_shared": shared,
                "facts_conflicting": conflicts,
                "facts_missing": [f for f in _SHARED if f not in shared],
                "novel_sentences": novel,
                "word_count": 400,
            }
        )
    return docs
