"""The admin area over REST in token mode: only admins (403 otherwise); users created, invited, promoted,
disabled (refused everywhere), given a new password and their own quotas; every owner's work seen and acted
on; each action in the audit log."""

from __future__ import annotations

from pathlib import Path

import httpx
from dmb_testing import platform
from dmb_testing.accounts import PASSWORD, admin_token, bearer, csrf_of, sign_in, sign_up
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


async def test_the_admin_pages_manage_users_with_forms_and_show_every_owners_work(tmp_path: Path) -> None:
    async with platform.embedded_client(tmp_path, auth_mode="token", signup="invite") as client:
        await admin_token(tmp_path)
        assert (await client.get("/admin")).headers["location"] == "/login?next=/admin"
        assert (await sign_in(client, "admin@example.com")).status_code == 303
        overview = await client.get("/admin")
        assert overview.status_code == 200
        assert 'href="/admin/dead-letters"' in overview.text
        token = csrf_of(overview)

        created = await client.post(
            "/admin/users", data={"email": "bob@example.com", "password": PASSWORD, "csrf_token": token}
        )
        assert created.status_code == 201
        assert "bob@example.com can now sign in." in created.text
        invited = await client.post("/admin/invites", data={"email": "cy@example.com", "csrf_token": token})
        assert invited.status_code == 201
        assert "http://127.0.0.1/signup?invite=" in invited.text
        forged = await client.post("/admin/users", data={"email": "eve@example.com", "password": PASSWORD})
        assert forged.status_code == 403

        bob_id = (await client.get("/api/v1/admin/users", headers={"X-CSRF-Token": token})).json()["items"][1]["id"]
        saved = await client.post(
            f"/admin/users/{bob_id}", data={"quota_tables": "3", "disabled": "true", "csrf_token": token}
        )
        assert saved.status_code == 200
        assert "Saved." in saved.text
        bad = await client.post(f"/admin/users/{bob_id}", data={"quota_tables": "many", "csrf_token": token})
        assert bad.status_code == 422
        assert "Tables: a whole number of at least 1" in bad.text
        assert "user.update" in (await client.get("/admin/audit")).text
        assert "bob@example.com" in (await client.get("/admin/users")).text

        bob = httpx.AsyncClient(transport=client._transport, base_url=client.base_url)
        async with bob:
            assert (await bob.get("/admin")).status_code == 303
            await client.post(f"/admin/users/{bob_id}", data={"disabled": "", "csrf_token": token})
            await sign_in(bob, "bob@example.com")
            assert (await bob.get("/admin")).status_code == 403
            assert (await bob.get("/admin/users")).status_code == 403
            bob.headers["X-CSRF-Token"] = csrf_of(await bob.get("/account"))
            await create_table(bob, reference_spec("bobs_people"))
        tables = await client.get("/admin/tables")
        assert "bobs_people" in tables.text
        assert "bob@example.com" in tables.text
