"""Domain operations. Services take what they need as arguments (session, clock, hasher)
and never read `flask.request`; they raise `ServiceError`s that the API maps to responses."""

from typing import Any

from sqlalchemy.orm import Session, scoped_session

# What services accept as a database session: a Session, or Flask-SQLAlchemy's scoped proxy.
Db = Session | scoped_session[Any]
