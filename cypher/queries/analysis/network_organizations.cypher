// name: analysis/network_organizations
// title: Kind of given organisations for the interlock networks
// description: Helix sector, organisational form, activity and the year of
//   the last annual accounts of the given organisations (of any size), which
//   decide whether each belongs to the network of a population.
// params: orgnrs: list[str]
// example: orgnrs=923609016,984851006
// mode: read
UNWIND $orgnrs AS key
MATCH (o:Organization {orgnr: key})
RETURN o.orgnr AS orgnr, o.helix AS helix, o.org_form AS org_form, o.active AS active,
       o.last_accounts_year AS last_accounts_year
ORDER BY orgnr
