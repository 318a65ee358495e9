"""Pure data generation: specs in, rows out, no I/O."""

from dmb_generator.domain.capacity import check_capacity
from dmb_generator.domain.inference import infer_generator
from dmb_generator.domain.rows import generate_chunk

__all__ = ["check_capacity", "generate_chunk", "infer_generator"]
