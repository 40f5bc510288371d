"""The Klynge graph model: one definition shared by loaders, jobs, web and the linter.

Every node label has one business key (its MERGE key); the schema module turns
these into uniqueness constraints (Neo4j) or unique indexes + constraints (FalkorDB).
Relationships carry the properties listed here; the Neo4j linter uses the label,
type and property names as its database schema.

Triple Helix
------------
Every ``Organization`` carries ``helix`` in ``{"industry", "academia",
"government", "intermediary", "other"}`` and one helix label beside
``Organization``: ``Firm``, ``University``, ``ResearchInstitute``,
``PublicBody`` or ``Intermediary`` (``helix_rule`` says which rule fired).

Persons
-------
``Person.person_key`` is a keyed hash (pseudonym) of the normalised name and
birth date; only ``name`` (shown to logged-in advisors) and ``birth_year`` are
stored. No birth date beyond the year is ever written.
"""

from __future__ import annotations

from dataclasses import dataclass

from cypher.schema.measures import MEASURE_NAMES
from klynge.assessments import DIMENSIONS as ASSESSMENT_DIMENSIONS
from klynge.assessments import OVERALL as ASSESSMENT_OVERALL
from klynge.assessments import THEMES


@dataclass(frozen=True)
class NodeType:
    label: str
    key: str
    properties: tuple[str, ...]
    description: str = ""
    fulltext: tuple[str, ...] = ()
    indexed: tuple[str, ...] = ()


@dataclass(frozen=True)
class RelType:
    type: str
    source: str
    target: str
    properties: tuple[str, ...] = ()
    description: str = ""


HELIX_LABELS: dict[str, str] = {
    "industry": "Firm",
    "academia": "University",  # refined to ResearchInstitute by the helix rule
    "government": "PublicBody",
    "intermediary": "Intermediary",
    "other": "OtherOrganization",
}
HELIX_SECTORS: tuple[str, ...] = ("industry", "academia", "government", "intermediary", "other")
EXTRA_ORG_LABELS: tuple[str, ...] = (
    "Firm",
    "University",
    "ResearchInstitute",
    "PublicBody",
    "Intermediary",
    "OtherOrganization",
)

BOARD_ROLES: tuple[str, ...] = ("LEDE", "NEST", "MEDL", "VARA", "OBS")
BOARD_GROUP = "STYR"
CEO_ROLE = "DAGL"
#: The ties advisors follow by default (explorer, path finder): board seats and the CEO.
CORE_ROLE_GROUPS: tuple[str, ...] = (BOARD_GROUP, CEO_ROLE)
#: Auditors and accountants: service ties to many clients, shown only on request and drawn apart.
ADVISORY_ROLE_GROUPS: tuple[str, ...] = ("REVI", "REGN")

#: The scores an assessment stores (one per dimension, then the overall score) and its interview themes; the
#: instrument file must use these ids (klynge.assessments).
ASSESSMENT_SCORES: tuple[str, ...] = (*ASSESSMENT_DIMENSIONS, ASSESSMENT_OVERALL)
ASSESSMENT_THEMES: tuple[str, ...] = THEMES
BROKERAGE_PROPERTIES: tuple[str, ...] = (
    "brokerage_coordinator", "brokerage_itinerant", "brokerage_representative_gatekeeper",
    "brokerage_liaison", "brokerage_total",
)

NODES: tuple[NodeType, ...] = (
    NodeType(
        "Organization",
        "orgnr",
        (
            "orgnr", "name", "org_form", "nace1", "nace2", "nace3", "nace_version",
            "sector_code", "employees", "has_employee_count", "municipality_code",
            "postal_code", "postal_place", "founded", "registered", "active",
            "deleted_date", "status", "parent_orgnr", "helix", "helix_rule",
            "synthetic", "source", "as_of", "last_accounts_year", "website", "fr_sector", "removed", "name_key",
        ),
        "A main unit of Enhetsregisteret (or an organisation known only by name).",
        fulltext=("name", "orgnr", "name_key"),
        indexed=("municipality_code", "helix", "nace1", "active", "name_key"),
    ),
    NodeType(
        "SubUnit",
        "orgnr",
        (
            "orgnr", "name", "parent_orgnr", "org_form", "nace1", "nace_version",
            "employees", "has_employee_count", "municipality_code", "active",
            "closed_date", "deleted_date", "synthetic", "source", "as_of",
        ),
        "A sub-unit (workplace) of a main unit; carries the workplace municipality.",
        indexed=("parent_orgnr", "municipality_code"),
    ),
    NodeType(
        "Person",
        "person_key",
        ("person_key", "name", "birth_year", "deceased", "synthetic", "source", "as_of", "name_key"),
        "A role holder; keyed by a pseudonym, never by name or birth date.",
        fulltext=("name", "name_key"),
        indexed=("name_key",),
    ),
    NodeType(
        "Cluster",
        "cluster_id",
        ("cluster_id", "name", "level", "programme", "since", "until", "host_county",
         "host_orgnr", "url", "synthetic", "source", "as_of", "name_key"),
        "An innovation cluster (Arena, Arena Pro, GCE, NCE) or a SIVA incubator/business garden.",
        fulltext=("name", "name_key"),
        indexed=("name_key",),
    ),
    NodeType(
        "Programme",
        "programme_id",
        ("programme_id", "name", "owner"),
        "A cluster programme level or SIVA programme.",
    ),
    NodeType(
        "Municipality",
        "code",
        ("code", "name", "county_code", "valid_from", "valid_to", "current_code"),
        "A municipality number (kommunenummer); old numbers point to the current one.",
    ),
    NodeType("County", "code", ("code", "name", "valid_from", "valid_to"), "A county (fylke)."),
    NodeType("Region", "region_id", ("region_id", "name", "description"), "A user-defined region."),
    NodeType(
        "Industry",
        "industry_id",
        ("industry_id", "code", "version", "level", "name", "section"),
        "A NACE (SN2007/SN2025) code at any level; industry_id = 'SN2025:62.100'.",
        indexed=("code",),
    ),
    NodeType(
        "ValueArea",
        "area_id",
        ("area_id", "name", "name_en"),
        "A value-creation area of the study (a grouping of NACE codes).",
    ),
    NodeType(
        "Accounts",
        "accounts_id",
        (
            "accounts_id", "orgnr", "year", "accounts_type", "currency", "period_start",
            "period_end", "revenue", "operating_result", "ordinary_result_before_tax",
            "net_result", "total_assets", "equity", "ebitda", "synthetic", "source", "as_of",
        ),
        "Key figures of one filing: accounts_id = 'orgnr:year:SELSKAP|KONSERN'.",
        indexed=("orgnr", "year"),
    ),
    NodeType(
        "Grant",
        "grant_id",
        (
            "grant_id", "source", "project_number", "title", "programme", "year",
            "status", "granted", "amount_applied", "amount_granted", "orgnr",
            "synthetic", "as_of",
        ),
        "An application or grant from Forskningsrådet or Innovasjon Norge.",
        indexed=("orgnr",),
    ),
    NodeType(
        "Patent",
        "patent_id",
        ("patent_id", "application_number", "title", "filing_date", "year", "applicant_name",
         "synthetic", "source", "as_of"),
        "A patent application.",
    ),
    NodeType(
        "JobRun",
        "run_id",
        ("run_id", "job", "status", "engine", "started", "finished", "params", "counts",
         "steps", "error", "versions", "current", "owner", "heartbeat", "duration_s", "pruned", "sync"),
        "One recorded run of the measures jobs; params/counts/steps/versions are JSON strings; sync (JSON) "
        "summarises the data sync the nightly schedule ran just before.",
        indexed=("status",),
    ),
    NodeType(
        "MeasureValue",
        "key",
        ("key", "run_id", "orgnr", "packed") + MEASURE_NAMES + BROKERAGE_PROPERTIES,
        "An organisation's measures in one run: key = 'run_id:orgnr'; packed = the same values as "
        "one JSON string (bulk reads). Values become current only through the Meta pointer; runs "
        "beyond KLYNGE_MEASURE_HISTORY_RUNS are pruned.",
        indexed=("run_id", "orgnr"),
    ),
    NodeType(
        "Meta",
        "key",
        ("key", "interlock_run", "measures_run", "brokerage_run", "updated", "member_rule"),
        "Pointers to the current run per job (key 'measures'), flipped in one write when a run succeeds; key "
        "'synthetic': how the synthetic generator chose cluster members (member_rule), recorded by its load.",
    ),
    NodeType(
        "Lock",
        "key",
        ("key", "owner", "host", "pid", "run_id", "acquired", "expires", "touched"),
        "The one-run-at-a-time lock of the measures jobs; expires is epoch seconds.",
    ),
    NodeType(
        "Assessment",
        "assessment_id",
        ("assessment_id", "orgnr", "instrument", "instrument_version", "interview_date", "advisor", "status",
         "items", "answers") + ASSESSMENT_SCORES + ASSESSMENT_THEMES + ("revision", "synthetic", "source", "as_of"),
        "CONFIDENTIAL. An advisor's absorptive-capacity assessment of an organisation after an interview "
        "(klynge/assessments.py): items and answers are parallel lists (0 = not answered, drafts only), one score "
        "per dimension and the overall score acap (null until every item of it is answered), the interview "
        "themes as text; revision counts the edits (AssessmentRevision holds them). Shown to advisors and above "
        "only (docs/assessments.md).",
        indexed=("orgnr",),
    ),
    NodeType(
        "AssessmentRevision",
        "revision_id",
        ("revision_id", "assessment_id", "revision", "at", "user", "role", "action", "changes", "source"),
        "CONFIDENTIAL. One change of an assessment: revision_id = 'assessment_id:revision'; changes = JSON "
        "{field: [before, after]}; action create, update or import; at = UTC time.",
        indexed=("assessment_id",),
    ),
    NodeType(
        "LoadRun",
        "load_id",
        ("load_id", "source", "file", "status", "started", "finished", "read", "created",
         "updated", "unchanged", "rejected", "error", "as_of"),
        "One recorded load of a source file (or of a feed's changes, by ``klynge sync``).",
    ),
    NodeType(
        "SyncState",
        "feed",
        ("feed", "cursor", "cursor_time", "status", "started", "finished", "events", "applied",
         "rejected", "error", "summary", "location", "etag", "last_modified", "checksum"),
        "Where ``klynge sync`` stands on one feed or file: the cursor (last applied update id and "
        "time), stored only after the changes up to it are written; the last run's outcome; for "
        "files, the ETag / Last-Modified / SHA-256 of the content last loaded.",
    ),
)

RELS: tuple[RelType, ...] = (
    RelType(
        "HOLDS_ROLE", "Person|Organization", "Organization",
        ("role", "role_group", "role_label", "active", "registered", "resigned", "order",
         "elected_by", "share", "changed", "source", "as_of"),
        "A role (board seat, CEO, auditor, owner municipality …) held in an organisation.",
    ),
    RelType("PART_OF", "SubUnit", "Organization", (), "A sub-unit's parent main unit."),
    RelType("LOCATED_IN", "Organization|SubUnit", "Municipality", ("address_type",),
            "Business address (or location address for sub-units)."),
    RelType("IN_COUNTY", "Municipality", "County"),
    RelType("IN_REGION", "Municipality", "Region"),
    RelType("SUCCEEDED_BY", "Municipality", "Municipality", ("date",)),
    RelType("IN_INDUSTRY", "Organization|SubUnit", "Industry", ("rank",)),
    RelType("PARENT", "Industry", "Industry", (), "NACE hierarchy, child to parent."),
    RelType("CORRESPONDS_TO", "Industry", "Industry", (), "SN2025 to SN2007 correspondence."),
    RelType("IN_VALUE_AREA", "Industry", "ValueArea"),
    RelType("MEMBER_OF", "Organization", "Cluster", ("since", "until", "role", "source",
                                                       "match_score")),
    RelType("IN_PROGRAMME", "Cluster", "Programme"),
    RelType("FILED", "Organization", "Accounts"),
    RelType("RECEIVED", "Organization", "Grant", ("role",)),
    RelType("APPLIED_FOR", "Organization", "Patent"),
    RelType("INTERLOCK", "Organization", "Organization", ("weight", "run_id"),
            "Derived: two organisations share active board members (stored once, lower orgnr first)."),
    RelType("ASSESSES", "Assessment", "Organization", (), "CONFIDENTIAL. The organisation an assessment is of."),
    RelType("REVISION_OF", "AssessmentRevision", "Assessment", (), "CONFIDENTIAL. A change of an assessment."),
)

#: Labels and types of confidential business information (advisors' assessments): shown to advisors and above
#: only; pages for lower roles leave them out, counts included (docs/assessments.md).
CONFIDENTIAL_LABELS: tuple[str, ...] = ("Assessment", "AssessmentRevision")
CONFIDENTIAL_TYPES: tuple[str, ...] = ("ASSESSES", "REVISION_OF")
#: ``LoadRun.source`` of the loads of confidential data.
CONFIDENTIAL_SOURCES: tuple[str, ...] = ("assessments",)


def node_type(label: str) -> NodeType:
    """Return the node type with ``label`` (KeyError if unknown)."""
    for n in NODES:
        if n.label == label:
            return n
    raise KeyError(label)


def all_labels() -> list[str]:
    return [n.label for n in NODES] + list(EXTRA_ORG_LABELS)


def all_rel_types() -> list[str]:
    return [r.type for r in RELS]


def all_property_keys() -> list[str]:
    keys: set[str] = {"_hash"}  # loaders' content hash on nodes, HOLDS_ROLE and MEMBER_OF (change detection)
    for n in NODES:
        keys.update(n.properties)
    for r in RELS:
        keys.update(r.properties)
    # measure properties written by gds_jobs are declared there and added by the linter
    return sorted(keys)
