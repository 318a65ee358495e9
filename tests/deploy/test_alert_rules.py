"""deploy/prometheus/alerts.yml: every alert watches metrics the services really export and has its runbook
entry in docs/operations.md."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from dmb_observability import metrics

ROOT = Path(__file__).resolve().parents[2]
#: Series Prometheus itself adds for each scrape target.
PROMETHEUS_SERIES = {"up"}


def exported_series() -> set[str]:
    """Every series name our metrics produce (a histogram's _bucket, _count, _sum; a counter's _total)."""
    names: set[str] = set()
    ours = [value for value in vars(metrics).values() if hasattr(value, "_name") and hasattr(value, "describe")]
    assert ours, "no metric found in dmb_observability.metrics"
    for metric in ours:
        base = metric._name
        names.update({base, f"{base}_total", f"{base}_bucket", f"{base}_count", f"{base}_sum"})
    return names


def test_every_alert_uses_exported_metrics_and_has_a_runbook_entry() -> None:
    rules = yaml.safe_load((ROOT / "deploy" / "prometheus" / "alerts.yml").read_text())
    runbook = (ROOT / "docs" / "operations.md").read_text()
    known = exported_series() | PROMETHEUS_SERIES
    alerts = [rule for group in rules["groups"] for rule in group["rules"]]
    assert len(alerts) >= 8
    for alert in alerts:
        assert set(alert) <= {"alert", "expr", "for", "labels", "annotations"}, alert
        used = set(re.findall(r"\b(dmb_\w+|up)\b(?=\s*[{\[)]|\s*==)", alert["expr"]))
        assert used, alert["expr"]
        assert used <= known, f"{alert['alert']} watches {sorted(used - known)}, which no service exports"
        assert alert["labels"]["severity"] in ("warning", "critical")
        assert f"### {alert['alert']}" in runbook, f"docs/operations.md has no runbook entry for {alert['alert']}"
        assert alert["annotations"]["runbook"] == f"docs/operations.md#{alert['alert'].lower()}"
