"""Write and job statements of the packages above cypher/, kept here so every Cypher text lives in
cypher/ (linted with the rest through :mod:`cypher.registry`); each module is named after its user."""
