"""Values composed by code from parts a model wrote: how a unique AI field reaches 100,000 distinct values
when a model makes tens a minute.

The AI service asks the model for a template with slots and, per slot, a list of parts such that any
combination is a realistic value ("{0} {1}" with "Zapatillas", "Mochila"… times "de trail Alpina", "urbana Nube"…);
the generator enumerates the combinations with a seeded permutation of the row index, so values are distinct
by construction across every chunk and worker, and the same seed gives the same values.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

_SLOT = re.compile(r"\{(\d+)\}")


class Composition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    template: Annotated[str, Field(min_length=3, max_length=200, description="Slots {0}, {1}… and literal text.")]
    parts: Annotated[
        list[Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]], Field(min_length=1, max_length=500)]],
        Field(min_length=1, max_length=4),
    ]

    @model_validator(mode="after")
    def _slots_match_parts(self) -> Self:
        slots = sorted({int(number) for number in _SLOT.findall(self.template)})
        if slots != list(range(len(self.parts))):
            raise ValueError(f"the template must use the slots {{0}}..{{{len(self.parts) - 1}}}, each once or more")
        for index, options in enumerate(self.parts):
            if len(set(options)) != len(options):
                raise ValueError(f"slot {index} repeats a part")
        return self

    @property
    def size(self) -> int:
        """How many distinct combinations (values, when the parts do not run into each other)."""
        return math.prod(len(options) for options in self.parts)

    def value(self, index: int) -> str:
        """The `index`-th combination (0 <= index < size), in mixed radix over the slots."""
        if not 0 <= index < self.size:
            raise ValueError(f"combination {index} is outside 0..{self.size - 1}")
        chosen = []
        for options in self.parts:
            index, digit = divmod(index, len(options))
            chosen.append(options[digit])
        return _SLOT.sub(lambda match: chosen[int(match.group(1))], self.template)
