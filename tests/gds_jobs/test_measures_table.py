"""compute_all: the table the nightly job writes back."""

from __future__ import annotations

import numpy as np
import pytest

from gds_jobs.measures import (
    MEASURE_COLUMNS,
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
    assert list(table.columns) == EXPECTED_COLUMNS == list(MEASURE_COLUMNS)


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
