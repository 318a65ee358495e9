"""The admin area: users, invitations, every owner's work and the audit log (admins only)."""
