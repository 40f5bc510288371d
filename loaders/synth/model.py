"""The synthetic world's data: every unit, cluster, seat and person as numpy arrays (:class:`World`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from loaders.synth.geo import Geography
from loaders.synth.industry import IndustryTable
from loaders.synth.knobs import Knobs

KINDS = ("firm", "university", "college", "institute", "government", "intermediary", "bank", "other")
KIND_INDEX = {k: i for i, k in enumerate(KINDS)}
EPOCH = np.datetime64("1970-01-01")

HOLDER_PERSON, HOLDER_ENTITY, HOLDER_SAME_AS_CHAIR, HOLDER_BOSTYRER = 0, 1, 2, 3


@dataclass
class Cluster:
    cluster_id: str
    name: str
    level: str
    since: int
    host_county: str
    theme: str
    members: list[int] = field(default_factory=list)  # unit indices
    member_names: list[str] = field(default_factory=list)  # listed by name instead of orgnr
    host: int = -1  # unit index of the facilitating organisation (host_orgnr)
    programme: str = "NIC"  # NIC (Innovasjon Norge clusters) or SIVA (business gardens, incubators)


@dataclass
class World:
    knobs: Knobs
    seed: int
    geo: Geography
    ind: IndustryTable
    n: int
    orgnr: np.ndarray
    form: np.ndarray
    kind: np.ndarray
    muni: np.ndarray
    nace: np.ndarray
    emp: np.ndarray
    founded: np.ndarray  # days since 1970
    status: np.ndarray  # 0 active, 1 deleted, 2 bankrupt, 3 liquidation
    region: np.ndarray  # bool: in the focus region
    member: np.ndarray  # bool: member of at least one cluster
    siva: np.ndarray  # bool: in a SIVA business garden or incubator
    files: np.ndarray  # bool: files accounts
    holding: np.ndarray
    konsern: np.ndarray
    revenue: np.ndarray  # NOK, latest year
    margin: np.ndarray
    growth: np.ndarray
    asset_ratio: np.ndarray
    equity_ratio: np.ndarray
    special_names: dict[int, str]
    parent: dict[int, int]
    top_area: dict[int, str]  # unit -> Table 5 key of the region's top firms
    clusters: list[Cluster]
    n_sub: np.ndarray
    sub_orgnr: np.ndarray
    sub_offset: np.ndarray
    # seats
    s_unit: np.ndarray
    s_role: np.ndarray
    s_htype: np.ndarray
    s_holder: np.ndarray
    s_resigned: np.ndarray
    s_valgt: np.ndarray
    seat_offset: np.ndarray  # seats of unit u are s_* [seat_offset[u]:seat_offset[u+1]]
    # persons
    p_first: np.ndarray
    p_middle: np.ndarray
    p_last: np.ndarray
    p_birth: np.ndarray
    p_dead: np.ndarray
    tied: np.ndarray  # bool: non-member sharing a board member with a member
    n_grants: np.ndarray
    n_in: np.ndarray
    n_patents: np.ndarray
