// name: analysis/organizations_by_orgnr
// title: Facts of given organisations for the analyses
// description: The same facts as analysis/organizations for a list of
//   organisation numbers (region units, cluster members), whatever their size
//   or activity.
// params: orgnrs: list[str]
// example: orgnrs=923609016,984851006
// mode: read
UNWIND $orgnrs AS key
MATCH (o:Organization {orgnr: key})
RETURN o.orgnr AS orgnr, o.name AS name, o.helix AS helix, o.org_form AS org_form,
       o.nace1 AS nace, o.nace_version AS nace_version, o.sector_code AS sector_code,
       o.employees AS employees, o.has_employee_count AS has_employee_count,
       o.municipality_code AS municipality_code, o.active AS active,
       o.founded AS founded, o.last_accounts_year AS last_accounts_year, o.synthetic AS synthetic,
       o.as_of AS as_of
ORDER BY orgnr
