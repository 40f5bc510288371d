"""A small Triple Helix graph built with Cypher, and Flask clients for each role."""

from __future__ import annotations

import re
from typing import Any

import pytest

from web import create_app

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'

#: Equinor, DNB, UiO and SINTEF around Ringerike; persons p1..p4 link them. Values are invented
#: for the tests except the organisation numbers, which are the real ones of these organisations.
SMALL = """
CREATE (c33:County {code: '33', name: 'Buskerud'})
CREATE (m:Municipality {code: '3305', name: 'Ringerike', county_code: '33'})
CREATE (m2:Municipality {code: '0301', name: 'Oslo', county_code: '03'})
CREATE (c03:County {code: '03', name: 'Oslo'})
CREATE (m)-[:IN_COUNTY]->(c33)
CREATE (m2)-[:IN_COUNTY]->(c03)
CREATE (r:Region {region_id: 'ringeriksregionen', name: 'Ringeriksregionen', description: 'Ringerike, Hole and Jevnaker'})
CREATE (m)-[:IN_REGION]->(r)
CREATE (ind:Industry {industry_id: 'SN2025:06.100', code: '06.100', section: 'B', name: 'Extraction of crude petroleum', level: 5})
CREATE (ind2:Industry {industry_id: 'SN2025:64.190', code: '64.190', section: 'K', name: 'Other monetary intermediation', level: 5})
CREATE (eq:Organization:Firm {orgnr: '923609016', name: 'EQUINOR ASA', helix: 'industry', active: true,
        employees: 21000, org_form: 'ASA', nace1: '06.100', founded: '1972-09-18', source: 'brreg_units',
        as_of: '2026-11-01', degree: 2, constraint: 0.5, betweenness: 1.0})
CREATE (dnb:Organization:Firm {orgnr: '984851006', name: 'DNB BANK ASA', helix: 'industry', active: true,
        employees: 9000, org_form: 'ASA', source: 'brreg_units', as_of: '2026-11-01', degree: 1, constraint: 1.0,
        betweenness: 0.0})
CREATE (uio:Organization:University {orgnr: '971035854', name: 'UNIVERSITETET I OSLO', helix: 'academia',
        active: true, employees: 7000, org_form: 'ORGL', source: 'brreg_units', as_of: '2026-11-01'})
CREATE (sintef:Organization:ResearchInstitute {orgnr: '948007029', name: 'STIFTELSEN SINTEF', helix: 'academia',
        active: false, employees: 2000, org_form: 'STI', source: 'brreg_units', as_of: '2026-11-01'})
CREATE (eq)-[:LOCATED_IN]->(m)
CREATE (dnb)-[:LOCATED_IN]->(m2)
CREATE (uio)-[:LOCATED_IN]->(m2)
CREATE (sintef)-[:LOCATED_IN]->(m)
CREATE (eq)-[:IN_INDUSTRY {rank: 1}]->(ind)
CREATE (dnb)-[:IN_INDUSTRY {rank: 1}]->(ind2)
CREATE (p1:Person {person_key: '3f2a9c1e', name: 'Kari Nordmann', birth_year: 1970, source: 'brreg_roles', as_of: '2026-11-01'})
CREATE (p2:Person {person_key: '7b1d0e44', name: 'Ola Nordmann', birth_year: 1965})
CREATE (p3:Person {person_key: 'c0ffee01', name: 'Per Hansen', birth_year: 1980})
CREATE (p4:Person {person_key: 'd00d0002', name: 'Eva Berg', birth_year: 1975})
CREATE (p1)-[:HOLDS_ROLE {role: 'LEDE', role_group: 'STYR', active: true, registered: '2020-05-01', source: 'brreg_roles', as_of: '2026-11-01'}]->(eq)
CREATE (p1)-[:HOLDS_ROLE {role: 'MEDL', role_group: 'STYR', active: true}]->(dnb)
CREATE (p2)-[:HOLDS_ROLE {role: 'DAGL', role_group: 'DAGL', active: true}]->(eq)
CREATE (p3)-[:HOLDS_ROLE {role: 'MEDL', role_group: 'STYR', active: true}]->(dnb)
CREATE (p3)-[:HOLDS_ROLE {role: 'MEDL', role_group: 'STYR', active: true}]->(uio)
CREATE (p4)-[:HOLDS_ROLE {role: 'MEDL', role_group: 'STYR', active: false}]->(eq)
CREATE (p4)-[:HOLDS_ROLE {role: 'LEDE', role_group: 'STYR', active: true}]->(sintef)
CREATE (eq)-[:INTERLOCK {weight: 1, run_id: 'r1'}]->(dnb)
CREATE (:Meta {key: 'measures', interlock_run: 'r1'})
CREATE (cl:Cluster {cluster_id: 'ocean', name: 'Ocean Tech Cluster', level: 'GCE', source: 'clusters.csv', as_of: '2026-10-01'})
CREATE (eq)-[:MEMBER_OF {since: '2019', role: 'member', source: 'clusters.csv'}]->(cl)
CREATE (uio)-[:MEMBER_OF {since: '2020', role: 'member'}]->(cl)
CREATE (g:Grant {grant_id: 'nfr:300001', source: 'Forskningsrådet', title: 'Subsea carbon storage', year: 2024,
        amount_granted: 12000000, programme: 'ENERGIX', as_of: '2026-09-01'})
CREATE (eq)-[:RECEIVED {role: 'project owner'}]->(g)
CREATE (pt:Patent {patent_id: 'NO20240001', application_number: '20240001', title: 'Riser clamp', filing_date: '2024-03-01', year: 2024})
CREATE (eq)-[:APPLIED_FOR]->(pt)
CREATE (a1:Accounts {accounts_id: '923609016:2023:SELSKAP', year: 2023, accounts_type: 'SELSKAP', currency: 'NOK',
        revenue: 1000000000.0, net_result: 50000000.0, total_assets: 2000000000.0, source: 'regnskap', as_of: '2024-07-01'})
CREATE (a2:Accounts {accounts_id: '923609016:2024:SELSKAP', year: 2024, accounts_type: 'SELSKAP', currency: 'NOK',
        revenue: 1200000000.0, net_result: 70000000.0, total_assets: 2100000000.0, source: 'regnskap', as_of: '2025-07-01'})
CREATE (eq)-[:FILED]->(a1)
CREATE (eq)-[:FILED]->(a2)
"""


#: Organisations whose names need folding to be found; numbers are made up (valid mod-11 not needed here).
NORWEGIAN = """
MERGE (m:Municipality {code: '3318'}) ON CREATE SET m.name = 'Krødsherad', m.county_code = '33'
CREATE (a:Organization:Firm {orgnr: '931000001', name: 'BYGG ASTRID SØRENSEN', helix: 'industry', active: true,
        employees: 3, org_form: 'ENK'})
CREATE (b:Organization:Firm {orgnr: '931000002', name: 'RINGERIKE KAFÉ AS', helix: 'industry', active: true,
        employees: 8, org_form: 'AS'})
CREATE (c:Organization:PublicBody {orgnr: '931000003', name: 'KRØDSHERAD KOMMUNE', helix: 'government',
        active: true, employees: 250, org_form: 'KOMM'})
CREATE (d:Organization:Firm {orgnr: '931000004', name: 'SØRENSEN HOLDING AS', helix: 'industry', active: false,
        employees: 40, org_form: 'AS'})
CREATE (e:Organization:Firm {orgnr: '931000005', name: 'SØRENSEN OG SØNN AS', helix: 'industry', active: true,
        employees: 12, org_form: 'AS'})
CREATE (f:Organization:Firm {orgnr: '931000006', name: 'ÅSEN BRØD AS', helix: 'industry', active: true,
        employees: 5, org_form: 'AS'})
CREATE (g:Organization:Firm {orgnr: '931000007', name: 'SØRENSEN', helix: 'industry', active: true,
        employees: 1, org_form: 'ENK'})
CREATE (c)-[:LOCATED_IN]->(m)
CREATE (p:Person {person_key: 'a5a5a5a5', name: 'Astrid Sørensen', birth_year: 1971})
CREATE (p)-[:HOLDS_ROLE {role: 'DAGL', role_group: 'DAGL', active: true}]->(a)
CREATE (cl:Cluster {cluster_id: 'kafe', name: 'Kafé- og Matklyngen', level: 'Arena'})
"""


class GraphBuilder:
    """Creates test graphs with Cypher through the ``store`` fixture."""

    def __init__(self, store) -> None:
        self.store = store

    def keyed(self) -> GraphBuilder:
        """Name keys on every named node, as the loaders write them (the graphs here are made with Cypher)."""
        from cypher.search import backfill_name_keys

        backfill_name_keys(self.store)
        return self

    def small(self) -> GraphBuilder:
        self.store.run(SMALL)
        return self.keyed()

    def norwegian(self) -> GraphBuilder:
        """Names with æ, ø, å and é, and an inactive namesake (the search's Norwegian cases)."""
        self.store.run(NORWEGIAN)
        return self.keyed()

    def xss(self) -> GraphBuilder:
        """An organisation and a person whose names are script payloads, linked by a board seat."""
        self.store.run(
            "CREATE (o:Organization:Firm {orgnr: '999999999', name: $n, helix: 'industry', active: true}) "
            "CREATE (p:Person {person_key: 'bad00001', name: $n}) "
            "CREATE (p)-[:HOLDS_ROLE {role: 'LEDE', role_group: 'STYR', active: true}]->(o) "
            "CREATE (c:Cluster {cluster_id: 'xss', name: $n}) CREATE (o)-[:MEMBER_OF]->(c)",
            {"n": XSS})
        return self.keyed()

    def hub(self, orgnr: str = '911111111', persons: int = 300) -> GraphBuilder:
        """An organisation with ``persons`` active board members (a super node)."""
        self.store.run(
            "CREATE (o:Organization:Firm {orgnr: $orgnr, name: 'HUB HOLDING AS', helix: 'industry', active: true}) "
            "WITH o UNWIND range(1, $n) AS i "
            "CREATE (p:Person {person_key: 'hub' + toString(i), name: 'Member ' + toString(i)}) "
            "CREATE (p)-[:HOLDS_ROLE {role: 'MEDL', role_group: 'STYR', active: true}]->(o)",
            {"orgnr": orgnr, "n": persons})
        return self.keyed()


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch):
    """A fresh state directory (users, secret key, audit log) for every web test, also for apps
    that test modules build themselves with ``create_app``."""
    d = tmp_path / "state"
    monkeypatch.setenv("KLYNGE_STATE_DIR", str(d))
    return d


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """Cheap scrypt parameters (N=2**10 instead of 2**15) so logins in tests take milliseconds;
    tests/test_users_cli.py checks the production parameters."""
    monkeypatch.setattr("web.users.HASH_METHOD", "scrypt:1024:8:1")


@pytest.fixture
def graph(store) -> GraphBuilder:
    return GraphBuilder(store)


def _client(settings, role: str | None):
    config = {"data_dir": settings.data_dir, "graph_name": settings.graph_name, "TESTING": True}
    if role:
        config["KLYNGE_TEST_ROLE"] = role
    app = create_app(config)
    return app.test_client()


@pytest.fixture
def client(settings, store):
    """An anonymous viewer."""
    return _client(settings, None)


@pytest.fixture
def advisor(settings, store):
    """A logged-in advisor (role set through KLYNGE_TEST_ROLE, honoured only when TESTING)."""
    return _client(settings, "advisor")


#: Password of the accounts the ``login_as`` fixture creates (test data only).
TEST_PASSWORD = "test-password-123"
_META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def csrf_token_of(client, path: str = "/login") -> str:
    """The CSRF token of ``client``'s session, read from the page's ``<meta name="csrf-token">``."""
    html = client.get(path).get_data(as_text=True)
    m = _META_CSRF.search(html)
    assert m, f"no csrf-token meta tag on {path}"
    return m.group(1)


@pytest.fixture
def csrf_token():
    """``csrf_token(client)``: the token to send as form field ``csrf_token`` or header ``X-CSRFToken``."""
    return csrf_token_of


@pytest.fixture
def user_store(state_dir):
    """The user store of the test's state directory (the apps of this test read the same file)."""
    from web.users import UserStore

    return UserStore(state_dir)


def log_in(client, username: str, password: str, next_path: str | None = None):
    """POST the login form with a valid CSRF token; returns the response (303 on success)."""
    data = {"username": username, "password": password, "csrf_token": csrf_token_of(client)}
    if next_path is not None:
        data["next"] = next_path
    return client.post("/login", data=data)


@pytest.fixture
def app_factory(settings, store):
    """``app_factory(**config)``: an app on the test graph, TESTING on, no KLYNGE_TEST_ROLE."""

    def make(**config):
        return create_app({"data_dir": settings.data_dir, "graph_name": settings.graph_name, "TESTING": True,
                           **config})

    return make


@pytest.fixture
def login_as(app_factory, user_store):
    """``login_as(role)``: a client really logged in through /login as a new user ``<role>-user``."""

    def make(role: str, username: str | None = None):
        username = username or f"{role}-user"
        if user_store.get(username) is None:
            user_store.add(username, TEST_PASSWORD, role)
        client = app_factory().test_client()
        r = log_in(client, username, TEST_PASSWORD)
        assert r.status_code == 303, r.get_data(as_text=True)
        return client

    return make


def _not_in_this_test(*args: Any, **kwargs: Any) -> Any:
    from klynge.errors import KlyngeError

    raise KlyngeError("the analysis is not part of this test")


def fake_analysis(monkeypatch: pytest.MonkeyPatch, *, analyse_region: Any = None, fit_for_firm: Any = None,
                  fit_for_cluster: Any = None, candidates_for_region: Any = None) -> None:
    """Stand-ins for ``gds_jobs.analysis.report`` and ``gds_jobs.analysis.fit`` as web.analysis uses them: the
    given functions, and for the others an analysis that refuses with a KlyngeError (shown as a note), so a
    page test does not compute the real analyses (they are tested in tests/gds_jobs)."""
    import types

    from web import analysis

    monkeypatch.setattr(analysis, "analysis_report", types.SimpleNamespace(
        analyse_region=analyse_region or _not_in_this_test, figure_data=lambda res: [],
        method_notes=lambda res: [], section_source=lambda res: None, absorptive_section=_not_in_this_test))
    monkeypatch.setattr(analysis, "analysis_fit", types.SimpleNamespace(
        fit_for_firm=fit_for_firm or _not_in_this_test, fit_for_cluster=fit_for_cluster or _not_in_this_test,
        candidates_for_region=candidates_for_region or _not_in_this_test))
