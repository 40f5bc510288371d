"""docker-compose.yml is parsed by a real Compose implementation (no Docker engine runs here)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
ENV = {"NEO4J_PASSWORD": "x" * 12, "KLYNGE_SECRET_KEY": "s" * 32, "KLYNGE_PERSON_KEY": "k" * 32}


def _compose_binary() -> str:
    exe = shutil.which("docker-compose")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("docker-compose is not installed; .ci/run installs Debian's docker-compose")
        pytest.skip("docker-compose (Debian package) is not installed; CI installs it")
    return exe


def test_compose_file_is_valid_for_docker_compose():
    out = subprocess.run([_compose_binary(), "-f", str(COMPOSE), "config", "--quiet"],
                         env={**os.environ, **ENV}, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr


def test_compose_refuses_to_start_without_secrets():
    env = {k: v for k, v in os.environ.items() if k not in ENV}
    out = subprocess.run([_compose_binary(), "-f", str(COMPOSE), "config", "--quiet"],
                         env=env, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode != 0 and "NEO4J_PASSWORD" in (out.stderr + out.stdout)


def test_compose_services_wait_for_a_healthy_neo4j_with_gds():
    spec = yaml.safe_load(COMPOSE.read_text())
    services = spec["services"]
    neo = services["neo4j"]
    assert neo["image"].startswith("neo4j:5.26") and "community" in neo["image"]
    assert "healthcheck" in neo and "wget" in " ".join(neo["healthcheck"]["test"])
    for name in ("web", "scheduler", "init"):
        assert services[name]["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert "gunicorn" in services["web"]["command"]
    assert services["scheduler"]["command"] == ["klynge", "jobs", "schedule"]
    assert (ROOT / "Dockerfile").exists()


def test_compose_runs_the_same_neo4j_and_gds_as_the_local_server():
    """The neo4j service's image is the Neo4j version of tools/neo4j/pom.xml, its plugins folder the GDS
    that pom builds (target/server-plugins), and its procedure settings those of the local server."""
    import xml.etree.ElementTree as ET

    from cypher import neo4j_local
    from klynge.config import load_settings

    pom = ET.parse(ROOT / "tools" / "neo4j" / "pom.xml").getroot()
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    neo4j_version = pom.find("m:properties/m:neo4j.version", ns).text
    gds_version = pom.find("m:properties/m:gds.version", ns).text
    neo = yaml.safe_load(COMPOSE.read_text())["services"]["neo4j"]
    assert neo["image"] == f"neo4j:{neo4j_version}-community"
    assert "NEO4J_PLUGINS" not in neo["environment"]  # nothing downloaded at start
    assert "./tools/neo4j/target/server-plugins:/plugins:ro" in neo["volumes"]
    assert f"GDS {gds_version}" in COMPOSE.read_text() and neo4j_version.startswith("5.26.")
    local = dict(line.split("=", 1) for line in neo4j_local.config_text(load_settings(environ={}), 7687).splitlines())
    env = neo["environment"]
    assert env["NEO4J_dbms_security_procedures_unrestricted"] == local["dbms.security.procedures.unrestricted"]
    assert env["NEO4J_dbms_security_procedures_allowlist"] == local["dbms.security.procedures.allowlist"]
    # one transaction may take a quarter of the heap on both (the console's memory bound on Neo4j)
    heap = env["NEO4J_server_memory_heap_max__size"].split(":-")[1].rstrip("}").lower()
    tx_max = env["NEO4J_db_memory_transaction_max"].split(":-")[1].rstrip("}")
    assert neo4j_local.transaction_memory(heap) == f"{int(tx_max[:-1]) * 1024}m"
    assert local["db.memory.transaction.max"] == neo4j_local.transaction_memory(load_settings(environ={}).neo4j_heap)
    assert [neo4j_local.transaction_memory(h) for h in ("2g", "1g", "512m", "64m")] == ["512m", "256m", "128m", "16m"]
