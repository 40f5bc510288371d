// name: analysis/organizations
// title: Organisations of the analysis population
// description: Organisations with the facts the study's group comparisons need
//   (helix sector, organisational form, NACE code, employees, municipality,
//   activity, synthetic flag, "as of" date): active ones unless active_only is
//   false, with at least min_employees employees, optionally one helix sector set.
// params: min_employees: int = 5, active_only: bool = true, helix: list[str] = null
// example: min_employees=5
// mode: read
MATCH (o:Organization)
WHERE (NOT $active_only OR o.active = true)
  AND coalesce(o.employees, 0) >= $min_employees
  AND ($helix IS NULL OR o.helix IN $helix)
RETURN o.orgnr AS orgnr, o.name AS name, o.helix AS helix, o.org_form AS org_form,
       o.nace1 AS nace, o.nace_version AS nace_version, o.sector_code AS sector_code,
       o.employees AS employees, o.has_employee_count AS has_employee_count,
       o.municipality_code AS municipality_code, o.active AS active,
       o.founded AS founded, o.last_accounts_year AS last_accounts_year, o.synthetic AS synthetic,
       o.as_of AS as_of
ORDER BY orgnr
