from dmb_common.migrations import run_migrations
from dmb_generator.models import Base

run_migrations(Base.metadata)
