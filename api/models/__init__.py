"""SQLAlchemy models, one module per domain. Importing this package registers them all."""

from api.models.accounts import AuthSession, Role, User

__all__ = ["AuthSession", "Role", "User"]
