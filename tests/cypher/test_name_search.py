"""Name search for Norwegian names: the folded name key, its indexes, ranking and the migration, on both stores."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cypher import search
from tests.web.conftest import NORWEGIAN

CASES = [
    ("BYGG ASTRID SØRENSEN", "bygg astrid sorensen"),
    ("RINGERIKE KAFÉ AS", "ringerike kafe"),
    ("Krødsherad kommune", "krodsherad kommune"),
    ("Aasen & Søn A/S", "asen son"),
    ("ÅSEN BRØD AS", "asen brod"),
    ("Bjørn Sæther", "bjorn saether"),
    ("Soerensen", "sorensen"),
    ("EQUINOR ASA", "equinor"),
    ("AS", "as"),  # only a legal form: kept, so the name still has a key
    ("  ", None),
    (None, None),
    ("Müller-Lüdenscheidt GmbH", "muller ludenscheidt gmbh"),
    ("Fiskå Mølle ANS", "fiska molle"),
    ("NORSK HYDRO ASA.", "norsk hydro"),
    ("AAA", "a"),  # "aa" folded to a fixed point (hypothesis found "aaa" → "aa" → "a")
    ("NORDIC.AS", "nordic"),  # a legal form glued on by a dot is still a legal form
]


@pytest.mark.parametrize("name,key", CASES)
def test_name_key_folds_norwegian_letters_case_accents_and_legal_forms(name, key):
    assert search.name_key(name) == key


@given(st.text(max_size=40))
def test_name_key_is_idempotent_and_plain_ascii_words(text):
    key = search.name_key(text)
    if key is None:
        return
    assert search.name_key(key) == key
    assert all(w.isascii() and w.isalnum() for w in key.split())


def _graph(store):
    store.run(NORWEGIAN)
    assert search.backfill_name_keys(store)["Organization"] == 7
    return store


def _orgnrs(store, text, **kw):
    return [h.key for h in search.find(store, "organization", text, **kw)]


@pytest.mark.parametrize("typed", ["sørensen", "sorensen", "Soerensen", "SØRENSEN"])
def test_every_spelling_of_sorensen_finds_the_same_organisations(any_store, typed):
    """Exact key first (the ENK named just SØRENSEN), then key prefixes (active before inactive, the
    larger first), then the organisation where it is a later word."""
    _graph(any_store)
    assert _orgnrs(any_store, typed) == ["931000007", "931000005", "931000004", "931000001"]


def test_kafe_with_and_without_accent_finds_the_cafe(any_store):
    _graph(any_store)
    assert _orgnrs(any_store, "kafe") == ["931000002"]
    assert _orgnrs(any_store, "kafé") == ["931000002"]
    assert _orgnrs(any_store, "ringerike kafé as") == ["931000002"]


def test_municipality_is_found_by_its_name_folded(any_store):
    _graph(any_store)
    assert _orgnrs(any_store, "krodsherad") == ["931000003"]
    assert _orgnrs(any_store, "Krødsherad kommune") == ["931000003"]


def test_old_aa_spelling_meets_the_new_letter(any_store):
    _graph(any_store)
    assert _orgnrs(any_store, "aasen") == ["931000006"]


def test_a_misspelling_is_found_as_a_fuzzy_match_after_real_matches(any_store):
    _graph(any_store)
    hits = search.find(any_store, "organization", "sorensn")
    assert [h.key for h in hits][:1] and {h.match for h in hits} == {"fuzzy"}
    assert "931000007" in [h.key for h in hits]
    hits = search.find(any_store, "organization", "ringerike kafee")
    assert [(h.key, h.match) for h in hits] == [("931000002", "fuzzy")]


def test_match_tiers_are_reported_and_ordered(any_store):
    _graph(any_store)
    hits = search.find(any_store, "organization", "sorensen")
    assert [h.match for h in hits] == ["exact", "prefix", "prefix", "words"]
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_persons_and_clusters_are_found_by_folded_names(any_store):
    _graph(any_store)
    assert [h.key for h in search.find(any_store, "person", "astrid sorensen")] == ["a5a5a5a5"]
    assert [h.key for h in search.find(any_store, "cluster", "kafe")] == ["kafe"]


def test_orgnr_prefix_still_finds_by_number(any_store):
    _graph(any_store)
    # all seven share the prefix: active before inactive, then more employees first
    assert _orgnrs(any_store, "931 000 00") == ["931000003", "931000005", "931000002", "931000006", "931000001",
                                                "931000007", "931000004"]
    assert _orgnrs(any_store, "931000002") == ["931000002"]


def test_text_without_letters_or_digits_finds_nothing(any_store):
    _graph(any_store)
    assert search.find(any_store, "organization", "&&&") == []


def test_backfill_writes_missing_and_stale_keys_once(any_store):
    any_store.run(NORWEGIAN)
    any_store.run("MATCH (o:Organization {orgnr: '931000002'}) SET o.name_key = 'stale'")
    first = search.backfill_name_keys(any_store)
    assert first == {"Organization": 7, "Person": 1, "Cluster": 1}
    assert search.backfill_name_keys(any_store) == {"Organization": 0, "Person": 0, "Cluster": 0}
    row = any_store.read("MATCH (o:Organization {orgnr: '931000002'}) RETURN o.name_key AS k")[0]
    assert row["k"] == "ringerike kafe"


def test_init_schema_adds_keys_to_a_graph_loaded_before_them(any_store):
    """``klynge db init`` on an existing graph: the migration writes the keys and the search finds them."""
    any_store.run(NORWEGIAN)
    created = any_store.init_schema()
    assert "name_key on 7 Organization" in created
    assert _orgnrs(any_store, "krodsherad") == ["931000003"]
    assert not any(c.startswith("name_key") for c in any_store.init_schema())


def test_unknown_kind_and_bad_limit_are_refused(store):
    with pytest.raises(ValueError, match="unknown"):
        search.find(store, "planet", "x")
    with pytest.raises(ValueError, match="outside"):
        search.find(store, "organization", "x", limit=0)


def test_init_schema_adds_the_key_to_a_fulltext_index_made_before_it(any_store):
    """A graph whose organisation fulltext index covers only name and orgnr (as before the key): db init
    brings the index up to the model (Neo4j: dropped and made again; FalkorDB: the field added)."""
    if any_store.backend == "neo4j":
        any_store.run("DROP INDEX organization_fulltext IF EXISTS")
        any_store.run("CREATE FULLTEXT INDEX organization_fulltext FOR (n:Organization) ON EACH [n.name, n.orgnr]")
    else:
        any_store.run("CALL db.idx.fulltext.drop('Organization')")
        any_store.run("CALL db.idx.fulltext.createNodeIndex('Organization', 'name', 'orgnr')")
    any_store.run(NORWEGIAN)
    created = any_store.init_schema()
    assert any("organization_fulltext" in c or "fulltext Organization(name_key)" in c for c in created), created
    # found only through the folded key in the fulltext index (the display name has ø)
    assert _orgnrs(any_store, "krodsherad") == ["931000003"]
