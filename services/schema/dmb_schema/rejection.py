"""A command the schema service refuses: raised where the rule is found, turned into TableRejected once."""

from __future__ import annotations

import uuid

from dmb_contracts.events import Problem, TableRejected
from dmb_contracts.fields import SpecError


class Rejected(Exception):
    def __init__(self, reason: str, field: str | None = None, rule: str = "invalid") -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field
        self.rule = rule

    @classmethod
    def of(cls, error: SpecError) -> Rejected:
        return cls(error.message, error.field, error.rule)

    def event(self, table_id: uuid.UUID) -> TableRejected:
        problem = Problem(field=self.field, rule=self.rule, message=self.reason)
        return TableRejected(table_id=table_id, reason=self.reason, problems=[problem])
