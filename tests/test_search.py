"""`rasad search` and `rasad show` against a real Elasticsearch node, on the fixture site's Arabic articles.

The stored documents carry the real comparison with the topic's reference (jobs.commands.compare),
as a crawl stores them.
"""

from __future__ import annotations

import json
import os
import pty
from pathlib import Path

import pytest

from crawler.config import Config, load_config
from crawler.items import doc_id_for
from crawler.store import Store
from crawler.store.schema import INDICES
from jobs.cli import main
from jobs.commands.compare import compare_article_dict, load_reference
from jobs.commands.search import Printer
from jobs.fixture_site import SITE_DIR
from reports.search import MARK_END, MARK_START, search_body
from tests.conftest import free_port, write_config

pytestmark = pytest.mark.es

# (fixture text, outlet key, outlet name, published_at, story): newest last.
ROWS = [
    ("ref-verbatim", "xinhua_arabic", "شينخوا", "2020-11-23T09:00:00+08:00", "story-ref"),
    ("ref-verbatim-2", "peoples_daily_arabic", "الشعب اليومية", "2020-11-23T15:00:00+08:00", "story-ref"),
    ("ref-rewrite", "cri_arabic", "إذاعة الصين الدولية", "2020-11-24T10:00:00+08:00", None),
    ("related-youm7", "youm7", "اليوم السابع", "2020-11-25T12:00:00+02:00", None),
    ("mention", "aljazeera", "الجزيرة نت", "2020-11-26T08:00:00+03:00", None),
    ("unrelated-football", "ahram", "الأهرام", "2020-11-27T08:00:00+02:00", None),
]


def _doc(name: str, source: str, source_name: str, published: str, story: str | None, config: Config) -> dict:
    lines = (SITE_DIR / "articles" / f"{name}.txt").read_text(encoding="utf-8").strip().splitlines()
    url = f"https://{source}.example/ar/{name}.html"
    doc = {"url": url, "canonical_url": url, "source": source, "source_name": source_name, "title": lines[0],
           "lead": lines[1], "body": "\n".join(lines[1:]), "published_at": published, "topic": "wic-2020",
           "discovered_via": "feed"}
    doc.update(compare_article_dict(doc, load_reference(config), config.compare))
    doc["story_id"] = story or doc_id_for(url)
    return doc


@pytest.fixture
def stored(store: Store, config: Config) -> dict[str, dict]:
    docs = {row[0]: _doc(*row, config=config) for row in ROWS}
    assert store.index_articles(docs.values()).indexed == len(docs)
    store.refresh()
    return docs


def _cli(config: Config, capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    code = main(["--config", config.source_file, *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_plural_with_article_finds_the_singular(stored: dict, config: Config, capsys) -> None:
    texts = {name: f"{d['title']}\n{d['body']}" for name, d in stored.items()}
    singular_only = [n for n, t in texts.items() if "المؤتمر" in t and "المؤتمرات" not in t]
    assert "ref-verbatim" in singular_only  # the fixture says "المؤتمر" only
    code, out, _ = _cli(config, capsys, "search", "المؤتمرات")
    assert code == 0
    assert stored["ref-verbatim"]["url"] in out
    # Not a terminal: the matched words are marked «…» (here: the singular the text really has).
    assert "«المؤتمر»" in out
    assert stored["unrelated-football"]["url"] not in out


def test_wuzhen_lists_the_articles_newest_first(stored: dict, config: Config, capsys) -> None:
    code, out, _ = _cli(config, capsys, "search", "ووتشن")
    assert code == 0
    expected = [n for n, d in stored.items() if "ووتشن" in d["title"] + d["body"]]
    assert len(expected) >= 4
    positions = [out.index(stored[n]["url"]) for n in reversed(expected)]  # newest first
    assert positions == sorted(positions)
    assert stored["unrelated-football"]["url"] not in out
    assert out.splitlines()[0].startswith(f"{len(expected)} stored articles match")
    assert "copy" in out and "شينخوا [xinhua_arabic]" in out and "2020-11-23 01:00" in out  # relation, outlet, date (UTC)


def test_a_limited_list_gives_the_total_first_and_says_how_many_it_shows(stored: dict, config: Config,
                                                                        capsys) -> None:
    """Not "2 of N stored articles match", which read as if only 2 of the stored articles matched."""
    total = len([n for n, d in stored.items() if "ووتشن" in d["title"] + d["body"]])
    code, out, _ = _cli(config, capsys, "search", "ووتشن", "--limit", "2")
    first = out.splitlines()[0]
    assert code == 0 and first.startswith(f"{total} stored articles match 'ووتشن' (2 shown, newest first")
    assert first.endswith("--limit N shows more") and out.count("\n  id ") == 2


def test_json_lines_parse_and_filters_narrow(stored: dict, config: Config, capsys) -> None:
    code, out, _ = _cli(config, capsys, "search", "ووتشن", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(rows) >= 4
    assert all(r["id"] == doc_id_for(r["url"]) and r["snippets"] for r in rows)
    assert any("«ووتشن»" in s for r in rows for s in r["snippets"])

    def ids(*args: str) -> list[str]:
        code, out, _ = _cli(config, capsys, "search", "ووتشن", "--json", *args)
        assert code == 0
        return [json.loads(line)["url"] for line in out.splitlines()]

    url = {n: d["url"] for n, d in stored.items()}
    assert ids("--source", "xinhua_arabic") == [url["ref-verbatim"]]
    assert ids("--source", "الشعب اليومية") == [url["ref-verbatim-2"]]
    assert set(ids("--relation", "copy")) == {url[n] for n, d in stored.items() if d["relation"] == "copy"}
    assert set(ids("--story", "story-ref")) == {url["ref-verbatim"], url["ref-verbatim-2"]}
    assert ids("--since", "2020-11-25", "--until", "2020-11-26") == [url["related-youm7"]]
    assert len(ids("--limit", "1")) == 1
    by_score = [json.loads(line)["score"] for line in _cli(config, capsys, "search", "ووتشن", "--json", "--sort", "relevance")[1].splitlines()]
    assert by_score == sorted(by_score, reverse=True)


def test_no_match_is_one_clear_line_and_exit_0(stored: dict, config: Config, capsys) -> None:
    code, out, err = _cli(config, capsys, "search", "كرة السلة")
    assert code == 0 and err == ""
    assert out.strip().splitlines() == [f"no stored article matches 'كرة السلة' (index {config.elasticsearch.index_prefix}-articles)"]
    code, out, err = _cli(config, capsys, "search", "ووتشن", "--source", "nowhere", "--json")
    assert code == 0 and out == "" and "with these filters" in err


def test_empty_query_and_bad_limit_are_usage_errors(config: Config, capsys) -> None:
    assert _cli(config, capsys, "search", "  ")[0] == 2
    code, _, err = _cli(config, capsys, "search", "ووتشن", "--limit", "0")
    assert code == 2 and "limit must be between 1 and 1000" in err


def test_show_by_id_and_by_url_prints_the_comparison(stored: dict, config: Config, capsys) -> None:
    doc = stored["ref-rewrite"]
    assert doc["facts_shared"] and doc["novel_sentences"] or doc["facts_missing"]
    code, by_id, _ = _cli(config, capsys, "show", doc_id_for(doc["url"]))
    assert code == 0
    code_url, by_url, _ = _cli(config, capsys, "show", doc["url"])
    assert code_url == 0 and by_url == by_id
    assert doc["title"] in by_id
    assert f"comparison with the reference of topic wic-2020: {doc['relation']}" in by_id
    for fact in doc["facts_shared"]:
        assert f"  shared: {fact}" in by_id
    for fact in doc["facts_missing"]:
        assert f"  missing: {fact}" in by_id
    for sentence in doc["novel_sentences"]:
        assert f"  novel: {sentence}" in by_id
    # The story line counts the other members.
    code, copy_out, _ = _cli(config, capsys, "show", stored["ref-verbatim"]["url"])
    assert "story story-ref (1 other article" in copy_out
    code, line, _ = _cli(config, capsys, "show", doc["url"], "--json")
    assert json.loads(line)["facts_shared"] == doc["facts_shared"]


def test_show_unknown_id_fails_naming_it(stored: dict, config: Config, capsys) -> None:
    missing = "0" * 40
    code, out, err = _cli(config, capsys, "show", missing)
    assert code == 1 and out == ""
    assert f"no stored article with id or URL '{missing}'" in err
    code, _, err = _cli(config, capsys, "show", "https://nowhere.example/a.html")
    assert code == 1 and "'https://nowhere.example/a.html'" in err


def test_search_before_any_article_is_stored(config: Config, capsys) -> None:
    """No index yet (no `rasad init`): nothing matches; not an error."""
    code, out, _ = _cli(config, capsys, "search", "ووتشن")
    assert code == 0 and out.startswith("no stored article matches")


def test_unreachable_elasticsearch_is_one_line_and_exit_1(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.delenv("ES_URL", raising=False)  # the configuration file's closed port is what counts
    cfg = load_config(write_config(tmp_path, f"http://127.0.0.1:{free_port()}", "rasad-tunreach"), env={})
    for command in (["search", "ووتشن"], ["show", "0" * 40]):
        code, out, err = _cli(cfg, capsys, *command)
        assert code == 1 and out == ""
        assert len(err.strip().splitlines()) == 1 and "unreachable" in err and "127.0.0.1" in err


def test_highlights_are_bold_on_a_terminal() -> None:
    """A real pseudo-terminal: the marked word is printed bold (ANSI SGR 1), without the markers."""
    leader, follower = pty.openpty()
    with os.fdopen(follower, "w", encoding="utf-8") as tty:
        Printer(tty).line(f"افتتاح {MARK_START}المؤتمر{MARK_END} العالمي")
    raw = os.read(leader, 4096).decode("utf-8")
    os.close(leader)
    assert "\x1b[1m" in raw and "المؤتمر" in raw
    assert MARK_START not in raw and "«" not in raw


def test_query_body_is_plain_dicts_for_any_server_version() -> None:
    body = search_body("المؤتمرات", sort="relevance", limit=5)
    assert body["size"] == 5 and body["sort"][0] == "_score"
    assert json.loads(json.dumps(body)) == body  # nothing but JSON: the same request on 7.10 and 9.x


def test_no_match_here_but_in_the_demo_indices_says_where(store: Store, config: Config, capsys) -> None:
    """After `make run` the articles are in `<prefix>-demo-*`: the empty answer points there, accurately."""
    demo_cfg = config.model_copy(deep=True)
    demo_cfg.elasticsearch.index_prefix = f"{config.elasticsearch.index_prefix}-demo"
    demo = Store(demo_cfg)
    demo.init()
    try:
        demo.index_articles([_doc(*ROWS[0], config=config), _doc(*ROWS[5], config=config)])
        demo.refresh()
        code, out, _ = _cli(config, capsys, "search", "المؤتمرات")
        assert code == 0
        assert out.splitlines()[1] == (f"hint: 1 article of `rasad demo` matches in {demo_cfg.elasticsearch.index_prefix}"
                                       f"-articles; search them with: RASAD_INDEX_PREFIX="
                                       f"{demo_cfg.elasticsearch.index_prefix} rasad search 'المؤتمرات'")
        code, out, _ = _cli(config, capsys, "search", "كرة السلة والتنس")  # nothing in the demo either: no hint
        assert code == 0 and len(out.splitlines()) == 1
    finally:
        demo.client.options(ignore_status=404).indices.delete(index=f"{demo_cfg.elasticsearch.index_prefix}-*")
        for kind in INDICES:
            demo.client.options(ignore_status=404).indices.delete_index_template(name=f"{demo_cfg.elasticsearch.index_prefix}-{kind}")
        demo.close()
