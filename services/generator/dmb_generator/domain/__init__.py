"""Pure data generation: specs in, rows out, no I/O."""

from dmb_generator.domain.capacity import check_capacity
from dmb_generator.domain.rows import generate_chunk

__all__ = ["check_capacity", "generate_chunk"]
