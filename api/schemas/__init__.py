"""marshmallow schemas, one module per resource. Unknown fields are rejected (422)."""
