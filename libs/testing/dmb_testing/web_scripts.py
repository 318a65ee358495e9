"""Running the web UI's plain scripts under Node.js in tests, against a stand-in document that records what
the script builds and refuses `innerHTML` (user data must go in as text)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dmb_testing.servers import node_binary

#: What every harness starts with: `script` (the module under test, loaded with require), `input` (the JSON
#: the test passed) and `document`, whose elements serialise to {tag, className, text, title, children}.
PRELUDE = r"""
const [scriptPath, inputPath] = process.argv.slice(2);
const script = require(scriptPath);
const input = JSON.parse(require("fs").readFileSync(inputPath, "utf8"));
class FakeNode {
  constructor(tag) {
    this.tag = tag; this.className = ""; this.textContent = ""; this.title = ""; this.value = ""; this.children = [];
  }
  append(...nodes) {
    for (const node of nodes) {
      if (!(node instanceof FakeNode)) throw new Error(`append of a non-node: ${node}`);
      this.children.push(node);
    }
  }
  set innerHTML(value) { throw new Error("innerHTML must not be used"); }
  toJSON() {
    return {tag: this.tag, className: this.className, text: this.textContent, title: this.title, children: this.children};
  }
}
const document = {createElement: (tag) => new FakeNode(tag)};
"""


def run_script(script: str, harness: str, payload: Any, work_dir: Path) -> Any:
    """Run `harness` (JavaScript after PRELUDE, printing one JSON document) with `script` as the module and
    `payload` as the input; returns what it printed. Node.js missing: skipped, or failed under CI=true."""
    node = node_binary()
    (work_dir / "script.js").write_text(script)
    (work_dir / "harness.js").write_text(PRELUDE + harness)
    (work_dir / "input.json").write_text(json.dumps(payload))
    done = subprocess.run(
        [node, str(work_dir / "harness.js"), str(work_dir / "script.js"), str(work_dir / "input.json")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A serialised element and everything under it, depth first."""
    yield node
    for child in node["children"]:
        yield from walk(child)


def find(node: dict[str, Any], tag: str) -> list[dict[str, Any]]:
    return [each for each in walk(node) if each["tag"] == tag]
