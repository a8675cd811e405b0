"""API tokens and integration keys: creation, revocation, authentication, roles."""
