"""/api/v1/generators/catalogue: every generator a field may use, grouped, with an example value each."""

from __future__ import annotations

from dmb_contracts.catalogue import Catalogue, values_catalogue
from dmb_contracts.starters import STARTERS, Starter
from fastapi import APIRouter

from dmb_gateway.api.deps import CurrentUser

router = APIRouter(prefix="/generators", tags=["tables"])


@router.get("/catalogue", response_model=Catalogue)
async def catalogue(_: CurrentUser) -> Catalogue:
    """The Faker providers a job accepts (grouped Person, Address, Internet, ..., each with an example), then the
    generators a person configures (choices, range, pattern, sequence, template, same value, reference, AI)."""
    return values_catalogue()


starters_router = APIRouter(prefix="/starters", tags=["tables"])


@starters_router.get("", response_model=list[Starter])
async def list_starters(_: CurrentUser) -> tuple[Starter, ...]:
    """Complete table designs to start from (people, customers + orders, products, transactions, employees with
    a manager hierarchy), parents first, each table with a suggested row count."""
    return STARTERS
