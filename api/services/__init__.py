"""Domain operations. Services take what they need as arguments (session, clock, hasher)
and never read `flask.request`; they raise `ServiceError`s that the API maps to responses."""
