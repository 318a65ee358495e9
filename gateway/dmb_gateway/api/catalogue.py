"""/api/v1/generators/catalogue: every generator a field may use, grouped, with an example value each."""

from __future__ import annotations

from dmb_contracts.catalogue import Catalogue, values_catalogue
from fastapi import APIRouter

from dmb_gateway.api.deps import CurrentUser

router = APIRouter(prefix="/generators", tags=["tables"])


@router.get("/catalogue", response_model=Catalogue)
async def catalogue(_: CurrentUser) -> Catalogue:
    """The Faker providers a job accepts (grouped Person, Address, Internet, ..., each with an example), then the
    generators a person configures (choices, range, pattern, sequence, template, same value, reference, AI)."""
    return values_catalogue()
