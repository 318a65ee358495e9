#!/usr/bin/env python3
"""The charts docs/performance.md shows, drawn from a bench/suite.py result (matplotlib, PNG, in
docs/performance/). bench/suite.py redraws them after each run; to redraw from a saved result:

    .venv/bin/python bench/charts.py bench/results/2026-12-07.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parents[1]
CHARTS = ROOT / "docs" / "performance"
STAGES = ("create_table", "generate", "export", "download")
COLOURS = {"create_table": "#8da0cb", "generate": "#66c2a5", "export": "#fc8d62", "download": "#e78ac3"}


def _note(document: dict[str, Any]) -> str:
    load = document.get("load_average_at_start", ["?"])[0]
    kind = "quick run" if document.get("quick") else "full run"
    return f"{document['at']} · {kind} · {document.get('cpus')} CPUs · load average {load} at start"


def _stacked(axis: Any, bars: list[tuple[str, dict[str, float]]], limits: dict[int, float]) -> None:
    positions = list(range(len(bars)))
    bottoms = [0.0] * len(bars)
    for stage in STAGES:
        heights = [seconds.get(stage, 0.0) for _, seconds in bars]
        axis.bar(positions, heights, bottom=bottoms, label=stage.replace("_", " "), color=COLOURS[stage], width=0.6)
        bottoms = [bottom + height for bottom, height in zip(bottoms, heights, strict=True)]
    for position, height in enumerate(bottoms):  # the stages' sum: the bar's own height
        axis.annotate(f"{height:.2f} s", (position, height), ha="center", va="bottom", fontsize=8)
    top = 1.3 * max(bottoms)
    for position, (label, _) in enumerate(bars):
        rows = int(label.split("\n")[0].replace(",", ""))
        if rows not in limits:
            continue
        if limits[rows] <= top:
            axis.plot([position - 0.35, position + 0.35], [limits[rows]] * 2, color="black", linestyle="--")
        else:  # far above the bar: said in words at the top, so the bars stay readable
            axis.annotate(f"limit {limits[rows]:.1f} s ↑", (position, top * 0.97), ha="center", va="top", fontsize=8)
    axis.set_xticks(positions, [label for label, _ in bars], fontsize=8)
    axis.set_ylabel("seconds")
    axis.set_ylim(0, top)


def stages_chart(document: dict[str, Any], out: Path) -> Path:
    """Seconds per stage of the whole flow, per mode and size (embedded: the median warm flow), with the
    `limit` reference of the same size (dashed) measured in the same run."""
    limits = {point["rows"]: point["seconds"] for point in document.get("reference", []) if point["mode"] == "limit"}
    embedded = [(f"{flow['rows']:,}\nrows", flow["warm"]) for flow in document["embedded"]]
    distributed = [
        (f"{flow['rows']:,}\n{flow['generators']} gen.", flow["warm"])
        for flow in sorted(document["distributed"], key=lambda flow: (flow["rows"], flow["generators"]))
    ]
    panels = [("embedded (one process, SQLite)", embedded, limits)]
    if distributed:
        panels.append(("distributed (RabbitMQ, PostgreSQL, S3)", distributed, {}))
    figure, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels) + 1.5, 5.0), squeeze=False)
    for axis, (title, bars, marks) in zip(axes[0], panels, strict=True):
        _stacked(axis, bars, marks)
        axis.set_title(title, fontsize=9)
    axes[0][0].plot([], [], color="black", linestyle="--", label="reference `limit`, same rows")
    handles, labels = axes[0][0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=3, fontsize=8, frameon=False, bbox_to_anchor=(0.5, 0.03))
    figure.suptitle("End to end: create table → job → xlsx export → download", fontsize=10)
    figure.text(0.01, 0.01, _note(document), fontsize=7, color="grey")
    figure.tight_layout(rect=(0, 0.14, 1, 1))
    figure.savefig(out, dpi=110)
    plt.close(figure)
    return out


def generators_chart(document: dict[str, Any], out: Path) -> Path:
    """The job's rows phase and constraint report with 1 and 2 generator processes, per size."""
    flows = sorted(document["distributed"], key=lambda flow: (flow["rows"], flow["generators"]))
    figure, axis = plt.subplots(figsize=(max(5.5, 1.2 * len(flows) + 2), 4.6))
    labels = [f"{flow['rows']:,}\n{flow['generators']} gen." for flow in flows]
    rows_phase = [flow["job"]["rows_seconds"] for flow in flows]
    report = [flow["job"]["report_seconds"] for flow in flows]
    axis.bar(labels, rows_phase, label="rows phase (generate + insert)", color="#66c2a5")
    axis.bar(labels, report, bottom=rows_phase, label="constraint report", color="#8da0cb")
    for position, flow in enumerate(flows):
        peak = max(flow["generator_peak_rss_mb"])
        axis.annotate(
            f"{flow['job']['seconds']:.1f} s\n{peak} MB",
            (position, flow["job"]["seconds"]),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    axis.set_ylabel("seconds")
    axis.set_title(
        "Distributed job, 1 vs 2 generators\n(job seconds and peak RSS per generator above each bar)", fontsize=9
    )
    axis.margins(y=0.25)
    handles, labels = axis.get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=2, fontsize=8, frameon=False, bbox_to_anchor=(0.5, 0.04))
    figure.text(0.01, 0.01, _note(document), fontsize=7, color="grey")
    figure.tight_layout(rect=(0, 0.1, 1, 1))
    figure.savefig(out, dpi=110)
    plt.close(figure)
    return out


def formats_chart(document: dict[str, Any], out: Path) -> Path:
    """Export throughput per format (typed cells/s, PostgreSQL → file), with the targets where issue 15 set one."""
    exports = document["export_formats"]
    formats = exports["formats"]
    figure, axis = plt.subplots(figsize=(7.0, 4.6))
    names = [figures["format"] for figures in formats]
    speeds = [figures["cells_per_s"] / 1e6 for figures in formats]
    axis.bar(names, speeds, color="#fc8d62", label="cells/s, reading + encoding + writing")
    for position, figures in enumerate(formats):
        axis.annotate(f"{speeds[position]:.2f}M", (position, speeds[position]), ha="center", va="bottom", fontsize=8)
        if figures.get("target_cells_per_s"):
            target = figures["target_cells_per_s"] / 1e6
            axis.plot([position - 0.4, position + 0.4], [target] * 2, color="black", linestyle="--", linewidth=1)
    axis.axhline(exports["read_cells_per_s"] / 1e6, color="grey", linestyle=":", linewidth=1)
    axis.plot([], [], color="black", linestyle="--", linewidth=1, label="target (issue 15)")
    axis.plot([], [], color="grey", linestyle=":", linewidth=1, label="reading the rows alone")
    axis.set_ylabel("million typed cells per second")
    axis.set_title(f"Export throughput per format ({exports['rows']:,} rows x 10 columns)", fontsize=10)
    axis.margins(y=0.15)
    handles, labels = axis.get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=3, fontsize=8, frameon=False, bbox_to_anchor=(0.5, 0.04))
    figure.text(0.01, 0.01, _note(document), fontsize=7, color="grey")
    figure.tight_layout(rect=(0, 0.1, 1, 1))
    figure.savefig(out, dpi=110)
    plt.close(figure)
    return out


def draw(document: dict[str, Any], folder: Path = CHARTS) -> list[Path]:
    """Every chart of `document` (a bench/suite.py result) as PNG files in `folder`; their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    drawn = [stages_chart(document, folder / "stages.png")] if document.get("embedded") else []
    if document.get("distributed"):
        drawn.append(generators_chart(document, folder / "generators.png"))
    if document.get("export_formats", {}).get("formats"):
        drawn.append(formats_chart(document, folder / "formats.png"))
    return drawn


if __name__ == "__main__":
    for path in draw(json.loads(Path(sys.argv[1]).read_text())):
        print(path.relative_to(ROOT))
