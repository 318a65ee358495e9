"""Users made where the gateway's database is: `dmb users create`, and test set-ups that act as it does."""

from __future__ import annotations


async def provision(database_url: str, email: str, *, is_admin: bool = False, password: str | None = None) -> str:
    """Create (or reuse) a user, optionally with a password to sign in with; returns a new API token for them."""
    from dmb_gateway.auth import provision_user

    return await provision_user(database_url, email, is_admin=is_admin, password=password)
