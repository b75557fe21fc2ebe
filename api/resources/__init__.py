"""flask-smorest Blueprints, one per resource."""
