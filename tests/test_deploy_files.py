"""The deployment files parse and say what deploy/README.md claims.

No Docker engine or cluster is available where the tests run, so this is all the checking
the files under deploy/ get.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
YAML_FILES = sorted(p for p in DEPLOY.rglob("*") if p.suffix in {".yaml", ".yml"})


def _documents(path: Path) -> list[Any]:
    with path.open(encoding="utf-8") as f:
        return [doc for doc in yaml.safe_load_all(f) if doc is not None]


def _k8s_objects(kind: str) -> list[dict[str, Any]]:
    return [
        doc
        for path in YAML_FILES
        if "k8s" in path.relative_to(DEPLOY).parts
        for doc in _documents(path)
        if isinstance(doc, dict) and doc.get("kind") == kind
    ]


def test_deploy_has_yaml_files() -> None:
    names = {p.relative_to(DEPLOY).as_posix() for p in YAML_FILES}
    assert "compose.yaml" in names
    assert any(name.startswith("k8s/") for name in names)


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: p.relative_to(DEPLOY).as_posix())
def test_yaml_parses(path: Path) -> None:
    docs = _documents(path)
    assert docs, f"{path} holds no YAML document"
    assert all(isinstance(doc, dict) for doc in docs)


def test_compose_runs_postgres_and_the_adapters() -> None:
    (compose,) = _documents(DEPLOY / "compose.yaml")
    services = compose["services"]
    assert services["postgres"]["image"].startswith("postgres:16")
    assert "healthcheck" in services["postgres"]
    assert services["migrate"]["command"] == ["migrate"]
    for name in ("rebound-slack", "rebound-discord"):
        service = services[name]
        assert service["environment"]["REBOUND_DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_k8s_deployment_is_replicated_and_probed() -> None:
    deployments = _k8s_objects("Deployment")
    assert deployments
    for deployment in deployments:
        assert deployment["spec"]["replicas"] >= 2
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert {"secretRef": {"name": "rebound-secrets"}} in container["envFrom"]
        probe = container["readinessProbe"]["httpGet"]
        assert probe["path"] == "/healthz"
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert ports.get(probe["port"], probe["port"]) == 3000


def test_k8s_has_service_and_migrate_job() -> None:
    assert _k8s_objects("Service")
    (job,) = _k8s_objects("Job")
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["migrate"]


def test_dockerfile_runs_rebound_as_non_root() -> None:
    lines = (DEPLOY / "Dockerfile").read_text(encoding="utf-8").splitlines()
    instructions = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert instructions[0] == "FROM python:3.11-slim"
    assert 'ENTRYPOINT ["rebound"]' in instructions
    assert 'CMD ["slack"]' in instructions
    users = [line.split()[1] for line in instructions if line.startswith("USER ")]
    assert users
    assert users[-1] not in {"root", "0"}
