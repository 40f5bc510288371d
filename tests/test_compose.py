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
    assert "graph-data-science" in neo["environment"]["NEO4J_PLUGINS"]
    assert "healthcheck" in neo and "wget" in " ".join(neo["healthcheck"]["test"])
    for name in ("web", "scheduler", "init"):
        assert services[name]["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert "gunicorn" in services["web"]["command"]
    assert services["scheduler"]["command"] == ["klynge", "jobs", "schedule"]
    assert (ROOT / "Dockerfile").exists()
