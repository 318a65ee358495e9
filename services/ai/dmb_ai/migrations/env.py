from dmb_ai.models import Base
from dmb_common.migrations import run_migrations

run_migrations(Base.metadata)
