"""Accounts: users, passwords, browser sessions, API tokens, invitations, quotas and the admins' actions.

Three layers (docs/decisions): the HTTP endpoints in api/ and web/ parse and authorise, `service` modules hold
the rules, `repository` holds the queries; the endpoint's session commits."""
