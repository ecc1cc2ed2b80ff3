"""The deployment files parse and say what deploy/README.md claims.

No Docker engine or cluster is available where the tests run, so this is all the checking
the files under deploy/ get.
"""

from __future__ import annotations

import re
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


def _dockerfile_stages() -> list[list[str]]:
    """The Dockerfile's instructions (continuation lines joined), one list per stage."""
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    stages: list[list[str]] = []
    for line in text.splitlines():
        instruction = " ".join(line.split())
        if not instruction or instruction.startswith("#"):
            continue
        if instruction.startswith("FROM "):
            stages.append([])
        stages[-1].append(instruction)
    return stages


def test_dockerfile_builds_a_wheel_then_a_slim_pinned_runtime() -> None:
    build, runtime = _dockerfile_stages()
    base = re.fullmatch(r"FROM (python:3\.11\.\d+-slim-\w+)( AS build)?", build[0])
    assert base is not None and base.group(2), build[0]
    assert runtime[0] == f"FROM {base.group(1)}"
    build_steps = " ".join(build)
    assert "pip wheel" in build_steps and "-r requirements.lock" in build_steps
    assert "compileall" in build_steps
    assert "requirements-dev.lock" not in build_steps and " -e " not in build_steps
    assert any(line.startswith("COPY --from=build /opt/rebound") for line in runtime)
    assert not any(
        line.startswith(("COPY bot", "COPY adapters", "COPY content")) for line in runtime
    )


def test_dockerfile_runs_rebound_as_non_root_with_a_healthcheck() -> None:
    runtime = _dockerfile_stages()[-1]
    assert 'ENTRYPOINT ["rebound"]' in runtime
    assert 'CMD ["slack"]' in runtime
    users = [line.split()[1] for line in runtime if line.startswith("USER ")]
    assert users
    assert users[-1].split(":")[0] not in {"root", "0"}
    (healthcheck,) = [line for line in runtime if line.startswith("HEALTHCHECK ")]
    assert "urllib" in healthcheck and "/healthz" in healthcheck and "curl" not in healthcheck
    assert any(line.startswith("ENV ") and "REBOUND_CONTENT_DIR=" in line for line in runtime)


def test_compose_switches_the_http_healthcheck_off_where_nothing_serves_it() -> None:
    (compose,) = _documents(DEPLOY / "compose.yaml")
    services = compose["services"]
    for name in ("migrate", "rebound-discord"):
        assert services[name]["healthcheck"] == {"disable": True}
    assert "healthcheck" not in services["rebound-slack"]
