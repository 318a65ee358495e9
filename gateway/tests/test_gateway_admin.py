"""The admin area over REST in token mode: only admins (403 otherwise); users created, invited, promoted,
disabled (refused everywhere), given a new password and their own quotas; every owner's work seen and acted
on; each action in the audit log."""

from __future__ import annotations

from pathlib import Path

import httpx
from dmb_testing import platform
from dmb_testing.accounts import PASSWORD, admin_token, bearer, sign_in, sign_up
from dmb_testing.flow import create_table, reference_spec, wait_for

ADMIN_ROUTES = [
    ("GET", "/api/v1/admin/users"),
    ("POST", "/api/v1/admin/users"),
    ("GET", "/api/v1/admin/users/00000000-0000-4000-8000-00000000abcd"),
    ("PATCH", "/api/v1/admin/users/00000000-0000-4000-8000-00000000abcd"),
    ("POST", "/api/v1/admin/users/00000000-0000-4000-8000-00000000abcd/password"),
    ("POST", "/api/v1/admin/invites"),
    ("GET", "/api/v1/admin/invites"),
    ("GET", "/api/v1/admin/tables"),
    ("GET", "/api/v1/admin/jobs"),
    ("GET", "/api/v1/admin/exports"),
    ("GET", "/api/v1/admin/audit"),
]


async def user_token(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    body = {"email": email, "password": PASSWORD, "name": "test"}
    response = await client.post("/api/v1/auth/token", json=body)
    assert response.status_code == 201, response.text
    return bearer(response.json()["token"])


async def test_admin_routes_refuse_non_admins_with_403_and_strangers_with_401(tmp_path: Path) -> None:
    async with platform.embedded_client(tmp_path, auth_mode="token", signup="open") as client:
        await client.post("/api/v1/auth/signup", json={"email": "ada@example.com", "password": PASSWORD})
        ada = await user_token(client, "ada@example.com")
        for method, path in ADMIN_ROUTES:
            body = {} if method != "GET" else None
            assert (await client.request(method, path, json=body, headers=ada)).status_code == 403, (method, path)
            assert (await client.request(method, path, json=body)).status_code == 401, (method, path)
        assert (await client.get("/admin", headers=ada)).status_code == 403


async def test_an_admin_manages_users_and_every_action_is_audited(tmp_path: Path) -> None:
    async with platform.embedded_client(tmp_path, auth_mode="token", signup="invite") as client:
        root = bearer(await admin_token(tmp_path))

        created = await client.post(
            "/api/v1/admin/users", json={"email": "bob@example.com", "password": PASSWORD}, headers=root
        )
        assert created.status_code == 201, created.text
        bob_id = created.json()["id"]
        bob = await user_token(client, "bob@example.com")
        invite = await client.post("/api/v1/admin/invites", json={"email": "cy@example.com"}, headers=root)
        assert invite.status_code == 201, invite.text
        assert invite.json()["signup_path"] == f"/signup?invite={invite.json()['code']}"
        signed_up = await sign_up(client, "cy@example.com", invite=invite.json()["code"])
        assert signed_up.status_code == 303
        client.cookies.clear()
        again = await sign_up(client, "cy2@example.com", invite=invite.json()["code"])
        assert again.status_code == 403
        client.cookies.clear()

        quotas = {"quota_tables": 1, "quota_rows_per_job": 10}
        updated = await client.patch(f"/api/v1/admin/users/{bob_id}", json=quotas, headers=root)
        assert updated.json()["quota_tables"] == 1
        account = (await client.get("/api/v1/account", headers=bob)).json()
        assert account["quotas"]["tables"] == 1
        assert account["quotas"]["rows_per_job"] == 10

        reset = await client.post(f"/api/v1/admin/users/{bob_id}/password", json={}, headers=root)
        new_password = reset.json()["password"]
        assert len(new_password) >= 12
        assert (await sign_in(client, "bob@example.com")).status_code == 401
        assert (await sign_in(client, "bob@example.com", new_password)).status_code == 303

        disabled = await client.patch(f"/api/v1/admin/users/{bob_id}", json={"disabled": True}, headers=root)
        assert disabled.json()["disabled_at"] is not None
        refused = await client.get("/api/v1/tables", headers=bob)
        assert refused.status_code == 403
        assert refused.json()["message"] == "This account is disabled; ask an admin"
        assert (await client.get("/api/v1/account")).status_code == 401  # bob's browser session ended
        client.cookies.clear()
        assert (await sign_in(client, "bob@example.com", new_password)).status_code == 403

        me = (await client.get("/api/v1/account", headers=root)).json()
        self_demote = await client.patch(f"/api/v1/admin/users/{me['id']}", json={"is_admin": False}, headers=root)
        assert self_demote.status_code == 409

        audit = (await client.get("/api/v1/admin/audit", headers=root)).json()["items"]
        actions = [(entry["action"], entry["target"]) for entry in reversed(audit)]
        assert actions == [
            ("user.create", "bob@example.com"),
            ("invite.create", "cy@example.com"),
            ("user.update", "bob@example.com"),
            ("user.password_reset", "bob@example.com"),
            ("user.update", "bob@example.com"),
        ]
        assert new_password not in str(audit)
        emails = [u["email"] for u in (await client.get("/api/v1/admin/users", headers=root)).json()["items"]]
        assert sorted(emails) == ["admin@example.com", "bob@example.com", "cy@example.com"]


async def test_an_admin_sees_and_acts_on_every_owners_work(tmp_path: Path) -> None:
    async with platform.embedded_client(tmp_path, auth_mode="token", signup="open") as client:
        root = bearer(await admin_token(tmp_path))
        await client.post("/api/v1/auth/signup", json={"email": "ada@example.com", "password": PASSWORD})
        ada = await user_token(client, "ada@example.com")
        client.headers.update(ada)
        table = await create_table(client, reference_spec("people"))
        job = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": 20, "seed": 1})
        await wait_for(client, f"/api/v1/jobs/{job.json()['id']}", {"completed"})
        del client.headers["Authorization"]

        tables = (await client.get("/api/v1/admin/tables", headers=root)).json()
        jobs = (await client.get("/api/v1/admin/jobs", headers=root)).json()
        assert [(t["name"], t["owner_email"], t["status"]) for t in tables["items"]] == [
            ("people", "ada@example.com", "created")
        ]
        assert [(j["name"], j["detail"], j["status"]) for j in jobs["items"]] == [
            ("people", "20 of 20 rows", "completed")
        ]
        # Admins list only their own work in the ordinary lists, and reach others' by id.
        assert (await client.get("/api/v1/tables", headers=root)).json()["total"] == 0
        dropped = await client.delete(f"/api/v1/tables/{table['id']}", headers=root)
        assert dropped.status_code == 202
        client.headers.update(root)
        assert (await wait_for(client, f"/api/v1/tables/{table['id']}", {"dropped"}))["status"] == "dropped"
        audit = (await client.get("/api/v1/admin/audit", headers=root)).json()["items"]
        assert [(e["action"], e["target"]) for e in audit] == [("api.delete", f"/api/v1/tables/{table['id']}")]
