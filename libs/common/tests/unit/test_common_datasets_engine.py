"""The datasets engine never repeats the values of a statement in its errors, so no generated value reaches a
log or a failed job's reason."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from dmb_common.datasets import create_datasets_engine


def test_a_refused_insert_does_not_show_the_values_it_tried_to_write(tmp_path: Path) -> None:
    engine = create_datasets_engine(f"sqlite:///{tmp_path / 'datasets.db'}")
    table = sa.Table("people", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.Text))
    try:
        table.create(engine)
        with engine.begin() as conn:
            conn.execute(sa.insert(table), [{"id": 1, "name": "Clarence Torres Jr."}])
        with pytest.raises(sa.exc.IntegrityError) as refused, engine.begin() as conn:
            conn.execute(sa.insert(table), [{"id": 1, "name": "Margaret Secretvalue"}])
    finally:
        engine.dispose()

    assert "Secretvalue" not in str(refused.value)
    assert "UNIQUE constraint failed" in str(refused.value)
