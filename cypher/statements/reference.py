"""Statements of the reference-data loader (loaders.sources.reference): municipalities, counties, regions,
industries (SN2025/SN2007), value areas and their links."""

from __future__ import annotations

from cypher.registry import register
from cypher.upsert import NodeUpsert


MUNICIPALITIES = NodeUpsert("klynge.reference.municipality", "Municipality", "code",
                            ("name", "county_code", "valid_from", "valid_to", "current_code"), consts=())


COUNTIES = NodeUpsert("klynge.reference.county", "County", "code", ("name", "valid_from", "valid_to"), consts=())


REGIONS = NodeUpsert("klynge.reference.region", "Region", "region_id", ("name", "description"), consts=())


INDUSTRIES = NodeUpsert("klynge.reference.industry", "Industry", "industry_id",
                        ("code", "version", "level", "name", "section"), consts=())


VALUE_AREAS = NodeUpsert("klynge.reference.value_area", "ValueArea", "area_id", ("name", "name_en"), consts=())


IN_COUNTY = register("klynge.reference.in_county", """
UNWIND $rows AS row
MATCH (m:Municipality {code: row[0]})
MATCH (c:County {code: row[1]})
MERGE (m)-[:IN_COUNTY]->(c)
""")


SUCCEEDED_BY = register("klynge.reference.succeeded_by", """
UNWIND $rows AS row
MATCH (a:Municipality {code: row[0]})
MATCH (b:Municipality {code: row[1]})
MERGE (a)-[s:SUCCEEDED_BY]->(b)
SET s.date = row[2]
""")


IN_REGION = register("klynge.reference.in_region", """
UNWIND $rows AS row
MATCH (m:Municipality {code: row[0]})
MATCH (r:Region {region_id: row[1]})
MERGE (m)-[:IN_REGION]->(r)
""")


REGION_STALE = register("klynge.reference.region_stale", """
UNWIND $rows AS row
MATCH (r:Region {region_id: row[0]})
WITH r, row
MATCH (r)<-[x:IN_REGION]-(m)
WHERE m:Municipality AND NOT m.code IN row[1]
DELETE x
""")


PARENT = register("klynge.reference.parent", """
UNWIND $rows AS row
MATCH (c:Industry {industry_id: row[0]})
MATCH (p:Industry {industry_id: row[1]})
MERGE (c)-[:PARENT]->(p)
""")


CORRESPONDS = register("klynge.reference.corresponds_to", """
UNWIND $rows AS row
MATCH (a:Industry {industry_id: row[0]})
MATCH (b:Industry {industry_id: row[1]})
MERGE (a)-[:CORRESPONDS_TO]->(b)
""")


IN_VALUE_AREA = register("klynge.reference.in_value_area", """
UNWIND $rows AS row
MATCH (i:Industry {industry_id: row[0]})
MATCH (v:ValueArea {area_id: row[1]})
MERGE (i)-[:IN_VALUE_AREA]->(v)
""")


VALUE_AREA_STALE = register("klynge.reference.value_area_stale", """
UNWIND $rows AS row
MATCH (i:Industry {industry_id: row[0]})-[x:IN_VALUE_AREA]->(v:ValueArea)
WHERE v.area_id <> row[1]
DELETE x
""")
