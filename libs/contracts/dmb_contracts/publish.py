"""Generate the published contracts from the models: one JSON Schema per message and an AsyncAPI 3 document.

python -m dmb_contracts.publish docs/contracts          # write
python -m dmb_contracts.publish docs/contracts --check  # fail if the committed files are stale
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from dmb_contracts.envelope import Message
from dmb_contracts.registry import MESSAGE_TYPES, routing_key

#: Which service handles (receives) each message type; the rest of the picture is who emits it.
RECEIVERS: dict[str, list[str]] = {
    "schema.table.create": ["schema"],
    "schema.table.alter": ["schema"],
    "schema.table.drop": ["schema"],
    "generator.rows.generate": ["generator"],
    "generator.chunk.generate": ["generator"],
    "generator.job.cancel": ["generator"],
    "generator.rows.preview": ["generator"],
    "exporter.export.request": ["exporter"],
    "ai.values.requested": ["ai"],
    "ai.values.generated": ["generator"],
    "ai.values.failed": ["generator"],
}
EXCHANGE = "dmb.events"


def message_schema(message: type[Message]) -> dict[str, Any]:
    schema = message.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://dmb.example/contracts/{routing_key(message)}.v1.json"
    schema["description"] = (message.__doc__ or message.__name__).strip().splitlines()[0]
    return schema


def asyncapi() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for message in MESSAGE_TYPES:
        key = routing_key(message)
        name = message.__name__
        messages[name] = {
            "name": name,
            "title": name,
            "summary": (message.__doc__ or name).strip().splitlines()[0],
            "contentType": "application/json",
            "payload": {"$ref": f"./schemas/{key}.v1.json"},
            "x-kind": message.kind,
        }
        channel = key.replace(".", "_")
        channels[channel] = {
            "address": key,
            "description": f"Routing key {key} on the topic exchange {EXCHANGE}.",
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
            "bindings": {
                "amqp": {
                    "is": "routingKey",
                    "exchange": {"name": EXCHANGE, "type": "topic", "durable": True, "autoDelete": False, "vhost": "/"},
                    "bindingVersion": "0.3.0",
                }
            },
        }
        operations[f"send_{channel}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel}"},
            "messages": [{"$ref": f"#/channels/{channel}/messages/{name}"}],
        }
        receivers = RECEIVERS.get(key, ["gateway"] if message.kind == "event" else [])
        for receiver in receivers:
            operations[f"{receiver}_receive_{channel}"] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{channel}"},
                "messages": [{"$ref": f"#/channels/{channel}/messages/{name}"}],
                "x-service": receiver,
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Dynamic Model Builder messages",
            "version": "1.0.0",
            "description": "Every command and event on the bus. Generated from libs/contracts; do not edit.",
        },
        "defaultContentType": "application/json",
        "servers": {"rabbitmq": {"host": "localhost:5672", "protocol": "amqp", "protocolVersion": "0.9.1"}},
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def render(target: Path) -> dict[Path, str]:
    files = {target / "schemas" / f"{routing_key(m)}.v1.json": _dump(message_schema(m)) for m in MESSAGE_TYPES}
    files[target / "asyncapi.json"] = _dump(asyncapi())
    return files


def _dump(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", type=Path)
    parser.add_argument("--check", action="store_true", help="exit 1 if the files differ from the models")
    args = parser.parse_args(argv)
    files = render(args.target)
    if args.check:
        stale = [str(p) for p, text in files.items() if not p.exists() or p.read_text() != text]
        extra = set((args.target / "schemas").glob("*.json")) - set(files)
        stale += [f"{p} (no such message)" for p in sorted(extra)]
        if stale:
            print("stale contracts; run `make contracts`:\n  " + "\n  ".join(stale), file=sys.stderr)
            return 1
        return 0
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    print(f"wrote {len(files)} files under {args.target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
