"""crawler.text.aboutness: the event's many names, the town alone, clutter, and passing clauses."""

from __future__ import annotations

import pytest

from crawler.text.aboutness import aboutness, names_event, names_town_in_field
from crawler.text.arabic import normalize
from crawler.text.compare import compare
from tests.compare_helpers import reference, thresholds

FILLER = "وتناول اللقاء سبل تعزيز التعاون الاقتصادي والتجاري بين البلدين في مختلف المجالات."


@pytest.mark.parametrize(
    "name",
    [
        "المؤتمر العالمي للإنترنت",
        "مؤتمر الإنترنت العالمي",
        "المؤتمر الدولي للإنترنت",
        "لمؤتمر الانترنت الدولي",
        "المؤتمر العالمي الثاني للإنترنت",
        "المؤتمر الدولي الأول للانترنت",
        "المؤتمر العالمي الـ5 للإنترنت",
        "مؤتمر الصين العالمي الثاني للإنترنت",
        "الندوة العالمية الثالثة حول الأنترنت",
        "مؤتمر عالمي عن الإنترنت",
        "قمة ووتشن لمؤتمر الإنترنت العالمي",
        "قمة وتشن",
        "معرض نور الإنترنت",
        "World Internet Conference",
    ],
)
def test_names_of_the_event(name):
    assert names_event(normalize(f"شارك الوفد في {name} هذا العام"))


@pytest.mark.parametrize(
    "other",
    [
        "المؤتمر العالمي للاتصالات الراديوية",
        "المنتدى العالمي لحوكمة الإنترنت",
        "منتدى الأمم المتحدة لحوكمة الإنترنت",
        "مؤتمر الذكاء الاصطناعي العالمي",
        "المؤتمرات الدولية للإنترنت",
    ],
)
def test_other_events_are_not_the_event(other):
    assert not names_event(normalize(f"شارك الوفد في {other} هذا العام"))


@pytest.mark.parametrize("town", ["ووتشن", "وتشن", "ووتشان", "وو تشان", "ووتشين", "ووزن", "ووجن", "ووزيهون", "Wuzhen"])
def test_town_counts_only_with_the_event_field(town):
    assert names_town_in_field(normalize(f"وعقد المنتدى في مدينة {town} الصينية"))
    assert not names_town_in_field(normalize(f"وتشتهر بلدة {town} بقنواتها المائية وجسورها الحجرية القديمة"))


def test_travel_piece_about_the_water_town_is_unrelated():
    text = (
        "رحلة إلى بلدة ووتشن المائية\n"
        "تقع بلدة ووتشن على بعد مائة وأربعين كيلومترا من شانغهاي وتشتهر بقنواتها وجسورها الحجرية.\n"
        "ويتنقل السياح في ووتشن بالقوارب بين البيوت الخشبية القديمة والمتاحف الصغيرة.\n"
        "وينصح المرشدون بزيارة ووتشن في الربيع حين يعتدل الطقس وتزهر الحدائق."
    )
    assert compare(text, reference(), thresholds()).relation == "unrelated"


def test_a_global_internet_meeting_elsewhere_is_not_the_event():
    """São Paulo's NetMundial was called "مؤتمر الإنترنت العالمي" by some papers."""
    text = (
        "طالب مؤتمر الإنترنت العالمي بتجريم مراقبة البيانات الشخصية ودان التجسس عبر الشبكة.\n"
        "وقال البيان الختامي للقمة التي اختتمت أعمالها في مدينة ساو باولو البرازيلية إن المراقبة الجماعية تقوض الثقة."
    )
    assert compare(text, reference(), thresholds()).relation == "unrelated"


REPORT = (
    "افتتحت الدورة السادسة للمؤتمر العالمي للإنترنت يوم الأحد في مدينة ووتشن بمقاطعة تشجيانغ شرق الصين.\n"
    "ويستقطب المؤتمر الذي يعقد على مدار ثلاثة أيام أكثر من ألف وخمسمائة مشارك من سبعين دولة.\n"
    "ودعا الرئيس الصيني في كلمة الافتتاح جميع الدول إلى مواجهة مخاطر الإنترنت بشكل مشترك.\n"
    "ويناقش المشاركون في المؤتمر تطبيقات الجيل الخامس والذكاء الاصطناعي والقيادة الذاتية."
)


def test_clutter_before_the_first_sentence_does_not_demote_a_report():
    clutter = "الرئيسية >> أخبار\n2019-10-21 15:45:00\nComment\nShare\nMessenger Pinterest LinkedIn WeChat\n"
    plain, cluttered = aboutness(REPORT), aboutness(clutter + REPORT)
    assert cluttered.score == plain.score >= thresholds().related_threshold
    assert compare(clutter + REPORT, reference(), thresholds()).relation == "related"


def test_one_clause_in_the_opening_sentence_does_not_make_a_report():
    text = (
        "أصبحت بلدة ووتشن معروفة للعديد من الناس باعتبارها الموقع الدائم للمؤتمر العالمي للإنترنت، وهي بلدة قديمة.\n"
        "تقع البلدة في شمال مدينة تونغشيانغ على بعد مائة وأربعين كيلومترا من شانغهاي.\n"
        "ولها تاريخ يعود إلى ألف وثلاثمائة سنة وتحافظ على الطراز الأصلي لبيوت البلدات المائية.\n"
        "وتجد فيها ممرات وقاعات شبيهة بالمتاهات ومنحوتات من الحجر والقرميد والخشب.\n"
        "وتشتهر أسواقها بالأقمشة المصبوغة يدويا وبالنبيذ الأصفر المحلي."
    )
    about = aboutness(text)
    assert about.lead_hit and about.score < thresholds().related_threshold
    assert compare(text, reference(), thresholds()).relation == "mention"


def test_the_conference_as_an_organiser_is_a_mention():
    text = (
        "عقدت المنظمة الدولية للمؤتمر العالمي للإنترنت مؤتمرا صحفيا في بكين لعرض التحضيرات لمنتدى تنمية طريق الحرير الرقمي.\n"
        "وحضر المؤتمر الصحفي الأمين العام للمؤتمر العالمي للإنترنت ومسؤولون من مقاطعة فوجيان.\n"
        "وسيعقد المنتدى في مدينة تشيوانتشو تحت شعار احتضان طريق الحرير البحري الرقمي."
    )
    about = aboutness(text)
    assert about.names_event and about.event_sentences == 0
    assert compare(text, reference(), thresholds()).relation == "mention"


def test_another_forum_referred_to_later_is_not_the_event():
    """After naming the conference once, "المنتدى" is the article's own forum, not the conference."""
    text = (
        "انطلقت في أبوظبي أعمال منتدى دولي للأمن السيبراني بمشاركة خبراء من أربعين دولة.\n"
        "ويأتي المنتدى ضمن فعاليات دولية مثل المؤتمر العالمي للإنترنت في الصين ومنتديات أخرى.\n"
        "وتتضمن أجندة المنتدى ورش عمل حول حماية البنية التحتية الحيوية وتأهيل الكوادر."
    )
    assert aboutness(text).event_sentences == 1
