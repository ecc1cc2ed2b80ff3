"""The deployment files parse and say what deploy/README.md claims.

No Docker engine or cluster is available where the tests run, so this is all the checking
the files under deploy/ get.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
YAML_FILES = sorted(p for p in DEPLOY.rglob("*") if p.suffix in {".yaml", ".yml"})
# The Kubernetes version whose schemas (bundled with kubernetes-validate) the manifests meet.
K8S_VERSION = "1.31"
# The Compose Specification's schema (github.com/compose-spec/compose-spec, schema/, Apache-2.0).
COMPOSE_SCHEMA = json.loads(
    (Path(__file__).resolve().parent / "schemas" / "compose-spec.json").read_text()
)


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


def test_k8s_slack_is_replicated_and_probed_on_readyz() -> None:
    (deployment,) = _k8s_objects("Deployment")
    assert deployment["spec"]["replicas"] >= 2
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["slack"]
    assert {"secretRef": {"name": "rebound-secrets"}} in container["envFrom"]
    _assert_probed(container)


def test_k8s_discord_runs_one_pod_per_shard_probed_on_readyz() -> None:
    (stateful,) = _k8s_objects("StatefulSet")
    (container,) = stateful["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["discord"]
    env = {e["name"]: e for e in container["env"]}
    assert int(env["DISCORD_SHARD_COUNT"]["value"]) == stateful["spec"]["replicas"]
    index = env["DISCORD_SHARD_ID"]["valueFrom"]["fieldRef"]["fieldPath"]
    assert index == "metadata.labels['apps.kubernetes.io/pod-index']"
    _assert_probed(container)


def _assert_probed(container: dict[str, Any]) -> None:
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    env = {e["name"]: e.get("value") for e in container["env"]}
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        get = container[probe]["httpGet"]
        assert get["path"] == path
        assert ports[get["port"]] == int(env["REBOUND_HTTP_PORT"]) == 3000


def test_k8s_content_comes_from_a_configmap_and_tokens_from_the_secret() -> None:
    (configmap,) = _k8s_objects("ConfigMap")
    (secret,) = _k8s_objects("Secret")
    assert secret["metadata"]["name"] == "rebound-secrets"
    assert {"REBOUND_DATABASE_URL", "SLACK_BOT_TOKEN", "DISCORD_TOKEN"} <= set(secret["stringData"])
    for workload in (*_k8s_objects("Deployment"), *_k8s_objects("StatefulSet")):
        spec = workload["spec"]["template"]["spec"]
        (volume,) = spec["volumes"]
        assert volume["configMap"]["name"] == configmap["metadata"]["name"]
        assert {item["key"] for item in volume["configMap"]["items"]} == set(configmap["data"])
        (container,) = spec["containers"]
        (mount,) = container["volumeMounts"]
        env = {e["name"]: e.get("value") for e in container["env"]}
        assert mount["mountPath"] == env["REBOUND_CONTENT_DIR"]


def test_the_configmaps_content_is_valid(tmp_path: Path) -> None:
    from bot.words.content import load_content

    (configmap,) = _k8s_objects("ConfigMap")
    for key, text in configmap["data"].items():
        locale, name = key.split(".", 1)
        (tmp_path / locale).mkdir(exist_ok=True)
        (tmp_path / locale / name).write_text(text)
    assert "en" in load_content(overrides=tmp_path).locales


K8S_DOCUMENTS = [
    pytest.param(doc, id=f"{path.name}:{doc['kind']}")
    for path in YAML_FILES
    if "k8s" in path.relative_to(DEPLOY).parts
    for doc in _documents(path)
]


@pytest.mark.parametrize("document", K8S_DOCUMENTS)
def test_k8s_objects_validate_against_the_kubernetes_schemas(document: dict[str, Any]) -> None:
    """Strict: an unknown field is an error too (the schemas ship with the package)."""
    kubernetes_validate.validate(document, K8S_VERSION, strict=True)


def test_the_kubernetes_validation_catches_mistakes() -> None:
    (deployment,) = _k8s_objects("Deployment")
    broken = copy.deepcopy(deployment)
    broken["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, K8S_VERSION, strict=True)
    broken = copy.deepcopy(deployment)
    broken["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, K8S_VERSION, strict=True)


def test_compose_validates_against_the_compose_specification() -> None:
    (compose,) = _documents(DEPLOY / "compose.yaml")
    jsonschema.Draft7Validator(COMPOSE_SCHEMA).validate(compose)
    broken = copy.deepcopy(compose)
    broken["services"]["rebound-slack"]["depends_on"]["migrate"]["condition"] = "whenever"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(COMPOSE_SCHEMA).validate(broken)


def test_compose_starts_the_adapters_after_migrate_and_checks_readyz() -> None:
    (compose,) = _documents(DEPLOY / "compose.yaml")
    services = compose["services"]
    for name in ("rebound-slack", "rebound-discord"):
        service = services[name]
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert "/readyz" in " ".join(service["healthcheck"]["test"])
    assert services["rebound-discord"]["environment"]["REBOUND_HTTP_PORT"] == "3000"


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
    assert compose["services"]["migrate"]["healthcheck"] == {"disable": True}
