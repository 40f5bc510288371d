"""compute_all: the table the nightly job writes back."""

from __future__ import annotations

import numpy as np
import pytest

from gds_jobs.measures import (
    FRAME_COLUMNS,
    betweenness,
    closeness,
    compute_all,
    constraint,
    eigenvector,
    hierarchy,
    pagerank,
)
from gds_jobs.measures.synthetic import synthetic_interlock

EXPECTED_COLUMNS = [
    "orgnr", "degree", "weighted_degree", "eigenvector", "pagerank", "betweenness", "closeness", "community",
    "component", "clustering", "constraint", "constraint_weighted", "effective_size", "efficiency", "hierarchy",
]


@pytest.fixture(scope="module")
def graph_and_table():
    g = synthetic_interlock(1200, seed=2)
    return g, compute_all(g, seed=0)


def test_columns_are_exactly_the_contract(graph_and_table):
    _, table = graph_and_table
    assert list(table.columns) == EXPECTED_COLUMNS == list(FRAME_COLUMNS)


def test_one_row_per_node_in_node_order(graph_and_table):
    g, table = graph_and_table
    assert table["orgnr"].tolist() == list(g.nodes)


def test_column_types(graph_and_table):
    _, table = graph_and_table
    assert table["community"].dtype == np.int64 and table["component"].dtype == np.int64
    for col in EXPECTED_COLUMNS[1:]:
        if col not in ("community", "component"):
            assert table[col].dtype == np.float64, col


def test_values_equal_the_individual_functions(graph_and_table):
    g, table = graph_and_table
    np.testing.assert_array_equal(table["eigenvector"], eigenvector(g))
    np.testing.assert_array_equal(table["pagerank"], pagerank(g))
    np.testing.assert_array_equal(table["betweenness"], betweenness(g))
    np.testing.assert_array_equal(table["closeness"], closeness(g))
    np.testing.assert_array_equal(table["constraint"], constraint(g))
    np.testing.assert_array_equal(table["hierarchy"], hierarchy(g))


def test_undefined_values_are_nan_only_where_documented(graph_and_table):
    g, table = graph_and_table
    isolated = g.degree == 0
    assert isolated.any()
    for col in ("constraint", "constraint_weighted", "effective_size", "efficiency"):
        assert table[col].isna().to_numpy().tolist() == isolated.tolist(), col
    assert table["hierarchy"].isna().to_numpy().tolist() == (g.degree < 2).tolist()
    for col in ("degree", "weighted_degree", "eigenvector", "pagerank", "betweenness", "closeness", "clustering"):
        assert not table[col].isna().any(), col


def test_sampling_threshold_reaches_betweenness():
    g = synthetic_interlock(1200, seed=2)
    exact = compute_all(g)["betweenness"]
    sampled = compute_all(g, betweenness_exact_max=50, betweenness_samples=64, seed=1)["betweenness"]
    assert not np.allclose(exact, sampled)


def test_the_measure_table_drives_the_schema_the_frame_the_export_and_the_gds_engine():
    """One declaration per measure: everything that names a measure is derived from cypher.schema.measures."""
    import inspect

    from cypher.schema.measures import GDS_STREAMS, MEASURE_NAMES, MEASURES
    from cypher.schema.model import NODES
    from gds_jobs.engines import gds as engine
    from gds_jobs.export import EXPORT_COLUMNS
    from gds_jobs.measures import local_function

    values_node = next(n for n in NODES if n.label == "MeasureValue")
    assert [p for p in values_node.properties if p in MEASURE_NAMES] == list(MEASURE_NAMES)
    assert list(EXPORT_COLUMNS[3:]) == list(MEASURE_NAMES) == list(FRAME_COLUMNS[1:])
    assert {m.name for m in engine.GDS_MEASURES} | {m.name for m in engine.LOCAL_MEASURES} == set(MEASURE_NAMES)
    for m in MEASURES:
        fn = local_function(m)
        assert fn.__doc__ and "References" in fn.__doc__, f"{m.name}: {m.local} needs its formula and references"
        accepted = set(inspect.signature(fn).parameters)
        assert set(m.options) <= accepted, (m.name, set(m.options) - accepted)
        if m.gds:
            exact, sampled = GDS_STREAMS[m.name]
            assert exact.startswith(f"CALL {m.gds} YIELD nodeId, {m.gds_yields} ")
            assert (sampled is None) == (m.gds_sampled is None)


def test_compute_all_gives_each_measure_its_declared_dtype(graph_and_table):
    from cypher.schema.measures import MEASURES

    _, table = graph_and_table
    assert {m.name: str(table[m.name].dtype) for m in MEASURES} == {m.name: m.dtype for m in MEASURES}
