"""Domain operations. Services take what they need as arguments (session, clock, hasher)
and never read `flask.request`; they raise `ServiceError`s that the API maps to responses."""

from datetime import date
from typing import Any

from sqlalchemy.orm import Session, scoped_session

# What services accept as a database session: a Session, or Flask-SQLAlchemy's scoped proxy.
Db = Session | scoped_session[Any]

# Every date and instant the API accepts lies in these years: wide enough for any practice or
# prescription, and far from date.min and date.max, so arithmetic on a day never overflows.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)
DAY_RANGE = f"{FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"
