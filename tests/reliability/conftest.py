"""Shared helpers of the reliability drills."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

BOARDS = """
UNWIND range(0, $orgs - 1) AS i
CREATE (:Organization:Firm {orgnr: toString(900000000 + i), name: 'Org ' + toString(i), helix: 'industry'})
WITH count(*) AS made
UNWIND range(0, $persons - 1) AS p
CREATE (person:Person {person_key: 'p' + toString(p)})
WITH person, p
UNWIND [p % $orgs, (p * 7 + 3) % $orgs, (p * 13 + 5) % $orgs] AS j
MATCH (o:Organization {orgnr: toString(900000000 + j)})
MERGE (person)-[:HOLDS_ROLE {role: 'MEDL', role_group: 'STYR', active: true}]->(o)
"""


@pytest.fixture
def build_boards() -> Callable[[Any, int, int], Any]:
    """``build(store, orgs, persons)``: a board network by hand, persons ``p0…`` each on the boards
    of three of the organisations ``o0…``, so the interlock network has ties and the measures have
    something to compute."""
    return lambda store, orgs, persons: store.run(BOARDS, {"orgs": orgs, "persons": persons})
