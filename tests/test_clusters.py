"""Story clusters: syndicated copies of the reference and of another story group together, nothing else."""

from __future__ import annotations

from crawler.text.clusters import StoryIndex, assign_clusters
from tests.compare_helpers import ITEMS, text_of


def _docs() -> list[tuple[str, str]]:
    docs = [(i["id"], text_of(i)) for i in ITEMS]
    # A second near-duplicate family: one unrelated story republished with a new headline or a cut.
    base = text_of(next(i for i in ITEMS if i["id"] == "unrelated_11"))
    lines = base.split("\n")
    docs.append(("family_b_headline", "عاجل: قراصنة يشلون مستشفيات لندن\n" + "\n".join(lines[1:])))
    docs.append(("family_b_cut", "\n".join(lines[:3]) + "\nالمصدر: وكالات"))
    return docs


def test_clusters_group_syndicated_copies_and_nothing_else():
    stories = assign_clusters(_docs())
    copies = {i["id"] for i in ITEMS if i["relation"] == "copy"}
    family_b = {"unrelated_11", "family_b_headline", "family_b_cut"}
    groups: dict[str, set[str]] = {}
    for doc_id, story in stories.items():
        groups.setdefault(story, set()).add(doc_id)
    multi = sorted((g for g in groups.values() if len(g) > 1), key=len, reverse=True)
    assert multi == [copies, family_b]
    # Stable ids: the first member names the story.
    assert stories["drift_08"] == "copy_01" and stories["family_b_cut"] == "unrelated_11"


def test_rewrites_and_own_reports_stay_apart():
    stories = assign_clusters(_docs())
    for item in ITEMS:
        if item["relation"] in ("rewrite", "related", "mention"):
            assert stories[item["id"]] == item["id"]


def test_story_index_is_incremental_and_idempotent():
    index = StoryIndex(threshold=0.5, num_perm=64)
    ref = text_of(next(i for i in ITEMS if i["id"] == "copy_01"))
    assert index.add("a", ref) == "a"
    assert index.add("b", text_of(next(i for i in ITEMS if i["id"] == "unrelated_01"))) == "b"
    assert index.add("c", text_of(next(i for i in ITEMS if i["id"] == "copy_09"))) == "a"
    assert index.add("a", "نص آخر تماما") == "a"  # re-adding keeps the stored story
    assert len(index) == 3 and index.story_of("c") == "a" and index.story_of("zzz") is None


def test_a_signature_made_in_another_process_is_the_same() -> None:
    """Crawl workers compute signatures for the crawl's story index: they must match its own."""
    import subprocess
    import sys

    from crawler.text.clusters import StoryIndex, signature

    text = "افتتح المؤتمر العالمي للإنترنت في ووتشن بمشاركة شركات ودول من أنحاء العالم اليوم"
    code = ("import sys; from crawler.text.clusters import signature; "
            "print(' '.join(map(str, signature(sys.argv[1]).hashvalues)))")
    out = subprocess.run([sys.executable, "-c", code, text], capture_output=True, text=True, check=True).stdout
    assert out.split() == [str(v) for v in signature(text).hashvalues]
    index = StoryIndex()
    index.add("a", text)
    assert index.add("b", "", sig=signature(text)) == "a"  # joins by the given signature, not by the text


def test_band_keys_match_exactly_when_lsh_would_pair_the_texts():
    """The stored story keys (crawler.stories looks stored articles up by them) are the LSH's own bands."""
    from datasketch import MinHashLSH

    from crawler.text.clusters import NUM_PERM, THRESHOLD, band_keys, signature

    docs = dict(_docs())
    index, lsh = StoryIndex(), MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    for doc_id, text in docs.items():
        index.add(doc_id, text)
        lsh.insert(doc_id, signature(text))
    keys = {doc_id: set(index.keys_of(doc_id)) for doc_id in docs}
    assert all(len(k) == 14 for k in keys.values())  # 14 bands of 4 rows: threshold 0.5, 64 permutations
    assert keys["unrelated_11"] == set(band_keys(signature(docs["unrelated_11"])))  # same in any process
    for doc_id, text in docs.items():
        candidates = {c for c in lsh.query(signature(text)) if c != doc_id}
        assert candidates == {o for o in docs if o != doc_id and keys[o] & keys[doc_id]}, doc_id
    assert index.keys_of("not indexed") == []
