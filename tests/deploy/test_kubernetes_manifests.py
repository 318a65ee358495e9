"""deploy/k8s: a kustomize base and an example overlay, rendered here (the subset of kustomize they use:
resources, namespace, images, replicas; anything else fails the test instead of being ignored) and each
rendered resource validated against the Kubernetes API schema by kubernetes-validate, then checked against
the code: every service served with real settings, secrets by reference, probes, resources, an HPA."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from dmb_gateway.settings import GatewaySettings

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
SERVICES = ("gateway", "schema", "generator", "ai", "exporter")
RENDERED_KEYS = {"apiVersion", "kind", "namespace", "resources", "images", "replicas"}
KNOWN_SETTINGS = {f"DMB_{field.upper()}" for field in GatewaySettings.model_fields}


def render(folder: Path) -> list[dict[str, Any]]:
    """What `kustomize build folder` gives for the features our kustomizations use."""
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    unsupported = set(kustomization) - RENDERED_KEYS
    assert not unsupported, f"{folder}: this test renders no {sorted(unsupported)}; extend render() first"
    resources: list[dict[str, Any]] = []
    for entry in kustomization.get("resources", []):
        target = (folder / entry).resolve()
        if target.is_dir():
            resources += render(target)
        else:
            resources += [document for document in yaml.safe_load_all(target.read_text()) if document]
    resources = copy.deepcopy(resources)
    for resource in resources:
        if "namespace" in kustomization:
            resource["metadata"]["namespace"] = kustomization["namespace"]
        for container in _containers(resource):
            for image in kustomization.get("images", []):
                if container["image"].split(":")[0] == image["name"]:
                    container["image"] = f"{image.get('newName', image['name'])}:{image.get('newTag', 'latest')}"
        for replicas in kustomization.get("replicas", []):
            if resource["kind"] == "Deployment" and resource["metadata"]["name"] == replicas["name"]:
                resource["spec"]["replicas"] = replicas["count"]
    return resources


def _containers(resource: dict[str, Any]) -> list[dict[str, Any]]:
    if resource["kind"] != "Deployment":
        return []
    containers: list[dict[str, Any]] = resource["spec"]["template"]["spec"]["containers"]
    return containers


def of_kind(resources: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {resource["metadata"]["name"]: resource for resource in resources if resource["kind"] == kind}


@pytest.fixture(scope="module", params=["base", "overlays/example"])
def rendered(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    return render(K8S / request.param)


def test_every_rendered_resource_is_valid_for_the_kubernetes_api(rendered: list[dict[str, Any]]) -> None:
    version = kubernetes_validate.latest_version()
    for resource in rendered:
        kubernetes_validate.validate(resource, version, strict=True)  # raises with the path of the mistake


def test_each_service_is_served_with_real_settings_secrets_by_reference_probes_and_resources(
    rendered: list[dict[str, Any]],
) -> None:
    deployments = of_kind(rendered, "Deployment")
    services = of_kind(rendered, "Service")
    config = next(iter(of_kind(rendered, "ConfigMap").values()))
    assert set(config["data"]) <= KNOWN_SETTINGS
    assert "DMB_SECRET_KEY" not in config["data"]
    for name in SERVICES:
        deployment = deployments[f"dmb-{name}"]
        [container] = _containers(deployment)
        assert container["args"] == ["serve", name]
        assert {variable["name"] for variable in container["env"]} <= KNOWN_SETTINGS
        secret = {v["name"]: v["valueFrom"]["secretKeyRef"]["name"] for v in container["env"] if "valueFrom" in v}
        assert {"DMB_SECRET_KEY", "DMB_DATABASE_URL", "DMB_BUS_URL"} <= set(secret)
        assert set(secret.values()) == {"dmb-secrets"}
        ports = {port["name"]: port["containerPort"] for port in container["ports"]}
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["readinessProbe"]["httpGet"]["port"] in ports
        expected_port = int(config["data"]["DMB_PORT" if name == "gateway" else "DMB_HEALTH_PORT"])
        assert ports[container["readinessProbe"]["httpGet"]["port"]] == expected_port
        assert {"cpu", "memory"} <= set(container["resources"]["requests"])
        assert "memory" in container["resources"]["limits"]
        selector = services[f"dmb-{name}"]["spec"]["selector"]
        assert selector.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()


def test_the_generator_scales_out_with_an_hpa_on_its_deployment(rendered: list[dict[str, Any]]) -> None:
    hpa = of_kind(rendered, "HorizontalPodAutoscaler")["dmb-generator"]
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "dmb-generator"}
    assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]


def test_the_overlay_changes_namespace_image_and_replicas_only() -> None:
    base, overlay = render(K8S / "base"), render(K8S / "overlays" / "example")
    assert {r["metadata"]["namespace"] for r in overlay} == {"dmb-staging"}
    assert {c["image"] for r in overlay for c in _containers(r)} == {"registry.example.com/dmb/platform:0.1.0"}
    assert of_kind(overlay, "Deployment")["dmb-gateway"]["spec"]["replicas"] == 3
    assert [(r["kind"], r["metadata"]["name"]) for r in overlay] == [(r["kind"], r["metadata"]["name"]) for r in base]
